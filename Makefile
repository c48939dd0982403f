# Shortcuts for the documented commands; each target works without make too (see README).
.PHONY: run test package package-tar clean-package

run:
	bash tools/run

test:
	bash tools/test

# The Linux application bundle in dist/examsite/ (PyInstaller onedir).
package:
	bash packaging/build_linux.sh

# The same, packed as dist/examsite-<version>-linux-<arch>.tar.gz.
package-tar:
	bash packaging/build_linux.sh --tar

clean-package:
	rm -rf dist/examsite build/pyinstaller
