#!/usr/bin/env bash
# Installs the system libraries Captioner needs on Debian/Ubuntu, and only the
# missing ones (so a second `make run` costs one dpkg-query).
#   packaging/system-deps.sh run    - PortAudio, libpulse and the Qt xcb libraries
#   packaging/system-deps.sh test   - plus PulseAudio (real capture devices in tests), Xvfb
#                                      and the AT-SPI accessibility bus
#   packaging/system-deps.sh package - plus binutils (PyInstaller needs objdump/objcopy) and
#                                      the validators for the AppStream and .desktop files;
#                                      the run libraries are bundled from this machine
set -euo pipefail

# libpulse0: libpulse records PulseAudio/PipeWire sources (captioner/audio/pulse_record.py;
# PortAudio is the fallback and lists the devices).
RUN_PKGS=(
  libportaudio2 libpulse0
  libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
)
# AT-SPI: the accessibility bus and the GObject bindings a screen reader uses, for the
# test that reads the app as one (tests/ui/test_accessibility_atspi.py); openssl makes the
# certificate of the asyncio TLS test (tests/ui/test_light_asyncio.py).
TEST_PKGS=(pulseaudio pulseaudio-utils libasound2-plugins xvfb xdotool openssl
  dbus at-spi2-core python3-gi gir1.2-atspi-2.0)
PACKAGE_PKGS=(binutils appstream desktop-file-utils)

want=("${RUN_PKGS[@]}")
[ "${1:-run}" = "test" ] && want+=("${TEST_PKGS[@]}")
[ "${1:-run}" = "package" ] && want+=("${PACKAGE_PKGS[@]}")

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "Not a Debian/Ubuntu system: make sure PortAudio and the Qt 6 xcb libraries are installed." >&2
  exit 0
fi

missing=()
for pkg in "${want[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "Please install these packages as root, then run make again:" >&2
  echo "  apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if the install fails.
"${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  "${SUDO[@]}" apt-get update -qq
  "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
}
