#!/usr/bin/env bash
# Install (or remove) the Captioner one-folder app that contains this script.
#
#   ./install.sh                     for the current user: ~/.local/{lib,bin,share}
#   sudo PREFIX=/usr/local ./install.sh    for everyone
#   ./install.sh --uninstall         (same PREFIX as for the install)
#
# Copies the folder to $PREFIX/lib/captioner, links $PREFIX/bin/captioner to it and
# installs the desktop entry, the hicolor icons and the AppStream metainfo under
# $PREFIX/share.  PortAudio comes from the system: apt-get install libportaudio2.
set -euo pipefail

PREFIX=${PREFIX:-$HOME/.local}
SRC=$(cd "$(dirname "$0")" && pwd)
APP_DIR=$PREFIX/lib/captioner
SHARE=$PREFIX/share
APP_ID=io.github.captioner.Captioner

if [ ! -x "$SRC/captioner" ] || [ ! -d "$SRC/share" ]; then
  echo "install.sh: run the copy inside the built app folder (dist/captioner/install.sh)" >&2
  exit 1
fi

files=(
  "applications/captioner.desktop"
  "metainfo/$APP_ID.metainfo.xml"
)
while IFS= read -r icon; do files+=("${icon#"$SRC/share/"}"); done \
  < <(find "$SRC/share/icons" -type f)

refresh() {
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$APP_DIR"
  [ -L "$PREFIX/bin/captioner" ] && rm -f "$PREFIX/bin/captioner"
  for f in "${files[@]}"; do rm -f "$SHARE/$f"; done
  refresh
  echo "Captioner removed from $PREFIX"
  exit 0
fi

if [ "$SRC" = "$APP_DIR" ]; then
  echo "install.sh: already installed in $APP_DIR" >&2
  exit 1
fi
rm -rf "$APP_DIR.new"
mkdir -p "$PREFIX/lib" "$PREFIX/bin"
cp -a "$SRC" "$APP_DIR.new"
rm -rf "$APP_DIR"
mv "$APP_DIR.new" "$APP_DIR"
ln -sfn "$APP_DIR/captioner" "$PREFIX/bin/captioner"
for f in "${files[@]}"; do install -D -m 644 "$SRC/share/$f" "$SHARE/$f"; done
# Launchers do not always search ~/.local/bin: point the entry at the installed binary.
sed -i "s|^Exec=captioner|Exec=$PREFIX/bin/captioner|" "$SHARE/applications/captioner.desktop"
refresh
echo "Captioner installed: $PREFIX/bin/captioner (make sure $PREFIX/bin is on PATH)"
