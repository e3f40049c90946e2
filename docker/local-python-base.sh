#!/bin/sh
# Build a Python base image from this (Debian or Ubuntu) host's own python3, for Docker engines that
# reach no registry: the interpreter, its standard library, its packages folder (pip and the other
# Python packages the distribution installed), the shared libraries they and manylinux wheels load,
# and the CA certificates; no other host file. Usage:
#   docker/local-python-base.sh [IMAGE]          (default local/python:3-host)
# then build serve-env on it: --build-arg BASE_IMAGE=IMAGE (docs/integrations.md, "Docker").
set -eu
image=${1:-local/python:3-host}
python=$(readlink -f "${PYTHON:-/usr/bin/python3}")  # the system's Python, not a virtualenv's
"$python" -m pip --version >/dev/null 2>&1 || {
    echo "$python has no pip, which the image's build runs: apt-get install python3-pip" >&2
    exit 1
}
version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64" "$root/etc" "$root/tmp" "$root/var/tmp" "$root/root" "$root/home"
for link in bin sbin lib lib64; do ln -s "usr/$link" "$root/$link"; done
# each file under its real folder (the image's /lib, /bin are links into /usr), as named and as resolved
copy() {
    for file in "$@"; do
        folder=$(readlink -f "$(dirname "$file")")
        mkdir -p "$root$folder"
        cp -a "$folder/$(basename "$file")" "$root$folder/"
        real=$(readlink -f "$file")
        mkdir -p "$root$(dirname "$real")"
        [ "$real" = "$folder/$(basename "$file")" ] || cp -a "$real" "$root$(dirname "$real")/"
    done
}
libs() { ldd "$@" 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\// && $i !~ /:$/) print $i}' | sort -u; }
programs="$python $(command -v dash) $(command -v useradd)"
modules=$(find "/usr/lib/python$version/lib-dynload" -name '*.so')
copy $programs $(libs $programs $modules)
multiarch=$(dirname "$(libs "$python" | grep '/libc.so')")
# what manylinux wheels expect of the system
for lib in libstdc++.so.6 libgcc_s.so.1 libz.so.1 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libutil.so.1; do
    if [ -e "$multiarch/$lib" ]; then copy "$multiarch/$lib"; fi
done
mkdir -p "$root/etc/ssl"
cp -a "/usr/lib/python$version" /usr/lib/python3 "$root/usr/lib/"
cp -aL /etc/ssl/certs "$root/etc/ssl/"
cp -a /etc/login.defs "$root/etc/"
rm -f "$root/usr/lib/python$version/EXTERNALLY-MANAGED"  # the image's own Python: pip may install into it
ln -sf "$(basename "$python")" "$root/usr/bin/python3"
ln -sf "$(basename "$python")" "$root/usr/bin/python"
ln -sf dash "$root/usr/bin/sh"
loader=$(libs "$python" | grep ld-linux)  # the path binaries name their loader by
mkdir -p "$root$(dirname "$loader")" 2>/dev/null || true
[ -e "$root$loader" ] || ln -s "$(readlink -f "$loader")" "$root$loader"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:*::\n' >"$root/etc/gshadow"
find "$root" -type d -exec chmod 755 {} +
chmod 1777 "$root/tmp" "$root/var/tmp"
tar -C "$root" -c . | docker import - "$image"
docker run --rm "$image" python -c "import ssl, sqlite3, zlib; print('$image: Python', __import__('sys').version.split()[0])"
