#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter for Rasa 3.6 (which supports 3.8-3.10 only):
# on PATH, through pyenv, or through uv. Exit 1 with instructions when none is found.
set -u
for candidate in python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv prefix 3.10 2>/dev/null | head -n1)/bin/python3.10"; do
  if [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    command -v "$candidate"; exit 0
  fi
done
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)'); do
    candidate="$(pyenv root)/versions/$version/bin/python3.10"
    [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
  done
fi
if command -v uv >/dev/null 2>&1; then
  candidate=$(uv python find 3.10 2>/dev/null) && [ -n "$candidate" ] && { echo "$candidate"; exit 0; }
fi
cat >&2 <<'MSG'
No Python 3.10 interpreter found: Rasa 3.6 needs Python 3.8-3.10.
Install one, then run make again:
  - with pyenv:  pyenv install 3.10.13
  - with uv:     uv python install 3.10
  - on Debian/Ubuntu: apt-get install python3.10 python3.10-venv (where your release has it)
MSG
exit 1
