#!/usr/bin/env bash
# Install the examsite bundle this script sits in, with its menu entry and icon.
#   bash install.sh            as root: /opt/examsite, /usr/local/bin, the system menu
#   bash install.sh --user     for you only: ~/.local/opt/examsite, ~/.local/bin, your menu
#   bash install.sh --uninstall [--user]
# Your data (~/.local/share/examsite) and logs are never touched.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE=system
ACTION=install
for arg in "$@"; do
  case "$arg" in
    --user) MODE=user ;;
    --uninstall) ACTION=uninstall ;;
    *) echo "install.sh: unknown option $arg (use --user and/or --uninstall)" >&2; exit 2 ;;
  esac
done
if [ "$MODE" = system ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install.sh: a system install needs root; run it with sudo, or use --user" >&2
    exit 2
  fi
  APP=/opt/examsite BIN=/usr/local/bin SHARE=/usr/share
else
  APP="$HOME/.local/opt/examsite" BIN="$HOME/.local/bin" SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
DESKTOP="$SHARE/applications/examsite.desktop"
ICON="$SHARE/icons/hicolor/scalable/apps/examsite.svg"

if [ "$ACTION" = uninstall ]; then
  rm -rf "$APP" "$BIN/examsite" "$DESKTOP" "$ICON"
  echo "examsite removed ($MODE); your data and logs were kept"
  exit 0
fi
[ -x "$HERE/examsite" ] || { echo "install.sh: run it from the unpacked examsite bundle" >&2; exit 2; }
# Copy to a temporary name first, so a failed copy leaves the installed version whole.
mkdir -p "$(dirname "$APP")" "$BIN" "$(dirname "$DESKTOP")" "$(dirname "$ICON")"
rm -rf "$APP.new"
cp -a "$HERE" "$APP.new"
rm -rf "$APP.old"
[ ! -e "$APP" ] || mv "$APP" "$APP.old"
mv "$APP.new" "$APP"
rm -rf "$APP.old"
ln -sfn "$APP/examsite" "$BIN/examsite"
# The menu entry starts the installed executable by its full path (~/.local/bin is not always on PATH).
sed "s|^Exec=examsite|Exec=$APP/examsite|" "$APP/examsite.desktop" >"$DESKTOP"
cp "$APP/examsite.svg" "$ICON"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$(dirname "$DESKTOP")" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" 2>/dev/null || true
echo "examsite installed in $APP ($MODE); start it from the menu or with $BIN/examsite"
