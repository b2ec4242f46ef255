#!/bin/sh
# Print the path of a Python >= 3.12 interpreter: PATH first, then pyenv's versions.
# Exit 1 with a clear message when none is found.
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for name in python3 python3.14 python3.13 python3.12 python; do
    p=$(command -v "$name" 2>/dev/null) || continue
    if ok "$p"; then echo "$p"; exit 0; fi
done
root=${PYENV_ROOT:-}
[ -n "$root" ] || root=$(pyenv root 2>/dev/null) || true
[ -n "$root" ] || root="$HOME/.pyenv"
for p in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -t. -k2,2nr -k3,3nr); do
    if ok "$p/bin/python3"; then echo "$p/bin/python3"; exit 0; fi
done
echo "salesim needs Python >= 3.12: none found on PATH or in pyenv ($root/versions)." >&2
echo "Install one (e.g. 'pyenv install 3.12') or put it on PATH, then run make again." >&2
exit 1
