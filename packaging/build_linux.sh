#!/usr/bin/env bash
# Build the Linux application bundle dist/examsite/ (PyInstaller onedir) from a checkout.
#
#   bash packaging/build_linux.sh            # build (reuses PyInstaller's cache)
#   bash packaging/build_linux.sh --clean    # build from scratch
#   bash packaging/build_linux.sh --tar      # also pack dist/examsite-<version>-linux-<arch>.tar.gz
#
# Uses the project's .venv (created if missing; `pip install -e .[package,postgres]` when PyInstaller
# or the PostgreSQL driver is not there) and Debian's fonts-wqy-microhei, whose font is copied into the bundle (never into git).
# Checks the result: it starts, it carries no unused Qt module, and prints its size.
set -euo pipefail
source "$(dirname "$0")/../tools/common.sh"   # ROOT, cd "$ROOT", apt_install, APP_DEBS

CLEAN=() TAR=0
for arg in "$@"; do
  case "$arg" in
    --clean) CLEAN=(--clean) ;;
    --tar) TAR=1 ;;
    *) echo "build_linux.sh: unknown option $arg (use --clean, --tar)" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
# binutils: PyInstaller reads shared-library dependencies with objdump.
apt_install "${APP_DEBS[@]}" binutils
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
# The bundle carries the PostgreSQL driver too (a city centre's store: --db postgresql+psycopg://...).
if ! .venv/bin/python -c "import PyInstaller, examsite, PySide6, psycopg" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[package,postgres]"
fi
# Forms, resources and translations compiled from ui/ and resources/ (skipped when up to date).
.venv/bin/python tools/build_qt.py >/dev/null

.venv/bin/pyinstaller --noconfirm --log-level WARN "${CLEAN[@]}" \
  --distpath dist --workpath build/pyinstaller packaging/examsite.spec

BUNDLE=dist/examsite
cp packaging/examsite.desktop "$BUNDLE/examsite.desktop"
cp resources/icons/examsite.svg "$BUNDLE/examsite.svg"
install -m 0755 packaging/install_linux.sh "$BUNDLE/install.sh"

# Nothing unused: these Qt modules (and Tk) are never imported by examsite.
UNUSED='Qt6WebEngine|Qt63D|Qt6Quick3D|Qt6Charts|Qt6DataVisualization|Qt6Graphs|Qt6Pdf|Qt6Designer|Qt6Location|Qt6Bluetooth|Qt6Nfc|Qt6Sensors|Qt6Serial|Qt6TextToSpeech|Qt6VirtualKeyboard|Qt6Help|Qt6Sql|Qt6Test|Qt6WebView|Qt6WebSockets|Qt6Positioning|Qt6RemoteObjects|Qt6Scxml|Qt6Lottie|Qt6QuickControls2|Qt6QuickWidgets|Qt6SpatialAudio|libgtk-3|_tkinter|libtk8|libtcl8'
found=$(find "$BUNDLE" -printf '%f\n' | grep -E "$UNUSED" || true)
if [ -n "$found" ]; then
  echo "build_linux.sh: unused modules in the bundle:" >&2
  echo "$found" >&2
  exit 1
fi
dangling=$(find "$BUNDLE" -xtype l)
if [ -n "$dangling" ]; then
  echo "build_linux.sh: dangling links in the bundle: $dangling" >&2
  exit 1
fi
VERSION=$("$BUNDLE/examsite" --version | awk '{print $2}')

if [ "$TAR" = 1 ]; then
  tarball="dist/examsite-$VERSION-linux-$(uname -m).tar.gz"
  tar -C dist -czf "$tarball.part" examsite
  mv "$tarball.part" "$tarball"
  echo "packed $tarball ($(du -sh "$tarball" | cut -f1))"
fi
echo "built $BUNDLE: examsite $VERSION, $(du -sh "$BUNDLE" | cut -f1), in $(( $(date +%s) - started )) s"
echo "install it with: sudo bash $BUNDLE/install.sh   (or: bash $BUNDLE/install.sh --user)"
