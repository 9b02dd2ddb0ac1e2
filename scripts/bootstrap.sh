# Sourced by scripts/run and scripts/test: a virtualenv with the project installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x "$VENV/bin/python" ]; then
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    echo "Installing python3-venv (Debian's venv module)..."
    rm -rf "$VENV"
    apt_install python3-venv python3-pip
    "$PYTHON" -m venv "$VENV"
  fi
fi

stamp="$VENV/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages into $VENV ..."
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test]"
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"
