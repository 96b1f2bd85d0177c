#!/usr/bin/env bash
# Installs the system libraries Captioner needs on Debian/Ubuntu, and only the
# missing ones (so a second `make run` costs one dpkg-query).
#   packaging/system-deps.sh run    - PortAudio, libpulse and the Qt xcb libraries
#   packaging/system-deps.sh test   - plus PulseAudio and PipeWire (real capture devices in
#                                      tests, on both sound servers), Xvfb and the AT-SPI bus
#   packaging/system-deps.sh package - plus binutils (PyInstaller needs objdump/objcopy) and
#                                      the validators for the AppStream and .desktop files;
#                                      the run libraries are bundled from this machine
#   packaging/system-deps.sh venv   - only what `$PYTHON -m venv` needs (the Makefile runs it
#                                      before creating a venv, for whichever PYTHON it uses)
# Every mode also installs the venv package of $PYTHON (default python3) when that Python
# lacks ensurepip; see venv_package below.
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
# certificate of the asyncio TLS test (tests/ui/test_light_asyncio.py); openbox is the window
# manager that puts a full-screen video over "keep above" windows
# (tests/ui/test_overlay_over_fullscreen.py); xcompmgr is the compositor whose start the
# caption settings notice (tests/ui/test_overlay_no_compositor.py). PipeWire with
# pipewire-pulse and WirePlumber (which needs a D-Bus session bus: dbus) is the second sound
# server the capture tests run on (tests/pipewire.py).
TEST_PKGS=(pulseaudio pulseaudio-utils libasound2-plugins xvfb xdotool openbox xcompmgr openssl
  dbus at-spi2-core python3-gi gir1.2-atspi-2.0 pipewire pipewire-bin pipewire-pulse wireplumber)
PACKAGE_PKGS=(binutils appstream desktop-file-utils)

# Debian and Ubuntu ship ensurepip apart from Python, in python3.X-venv (python3-venv only
# pulls in the one for the default python3). Without it `python3 -m venv` fails half way and
# leaves a .venv with no pip, which is where a first `make run` used to stop for good. The
# package is named for the Python make uses, which need not be the default one (a
# deadsnakes python3.12 on Ubuntu needs python3.12-venv); none is wanted when that Python
# has ensurepip (pyenv, python.org builds, the package already there) or is not the
# system's (no Debian package can give a pyenv build the ensurepip it was built without).
venv_package() {
  local python="${PYTHON:-python3}" version
  "$python" -c 'import ensurepip' >/dev/null 2>&1 && return 0
  version=$("$python" -c 'import sys
if sys.base_prefix == "/usr": print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || return 0
  if [ -z "$version" ]; then
    echo "$python has no ensurepip and is not the system's Python: 'python -m venv' will fail; use a Python built with ensurepip." >&2
    return 0
  fi
  # A name apt knows with something to install wins; with no package lists yet (a fresh
  # machine) the versioned name, which every Debian and Ubuntu release since 2017 has.
  if has_candidate "python$version-venv" || ! has_candidate python3-venv; then
    echo "python$version-venv"
  else
    echo python3-venv
  fi
}

has_candidate() {
  apt-cache policy "$1" 2>/dev/null | grep -Eq '^ *Candidate: [^(]'
}

case "${1:-run}" in
  run) want=("${RUN_PKGS[@]}") ;;
  test) want=("${RUN_PKGS[@]}" "${TEST_PKGS[@]}") ;;
  package) want=("${RUN_PKGS[@]}" "${PACKAGE_PKGS[@]}") ;;
  venv) want=() ;;
  *) echo "usage: $0 [run|test|package|venv]" >&2; exit 2 ;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
  [ "${1:-run}" = venv ] && exit 0  # nothing to say: `python -m venv` says what it lacks
  echo "Not a Debian/Ubuntu system: make sure PortAudio and the Qt 6 xcb libraries are installed." >&2
  exit 0
fi

venv_pkg=$(venv_package)
[ -n "$venv_pkg" ] && want+=("$venv_pkg")

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
