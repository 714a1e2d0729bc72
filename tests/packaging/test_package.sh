#!/usr/bin/env bash
# test_package.sh BUILD_DIR VERSION: builds the .deb, unpacks it with dpkg -x
# into a temporary root and checks what a user installing it would meet.
set -euo pipefail
build="$1"
version="$2"
fail() { echo "FAIL: $*" >&2; exit 1; }
out="$build/test-output/package"
rm -rf "$out"
mkdir -p "$out"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

echo "== cpack"
(cd "$build" && cpack -G DEB -B "$out" > "$out/cpack.log" 2>&1) || { cat "$out/cpack.log"; fail "cpack"; }
deb="$out/diffusionrig-studio_${version}_amd64.deb"
[ -f "$deb" ] || fail "no $deb (found: $(ls "$out"))"
echo "package: $(basename "$deb"), $(du -h "$deb" | cut -f1)"

echo "== control"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "Depends: $depends"
for lib in libtorch libqt6widgets6 libopencv libdlib libc6 libdlib-data; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib"
done
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version is not $version"
description="$(dpkg-deb -f "$deb" Description)"
if grep -q ";" <<<"$description"; then fail "a CMake list separator in the description: $description"; fi

echo "== files"
dpkg-deb -x "$deb" "$root"
for f in usr/bin/diffusionrig usr/bin/diffusionrig-studio \
         usr/share/applications/org.diffusionrig.Studio.desktop \
         usr/share/metainfo/org.diffusionrig.Studio.metainfo.xml \
         usr/share/mime/packages/org.diffusionrig.Studio.xml \
         usr/share/icons/hicolor/scalable/apps/org.diffusionrig.Studio.svg \
         usr/share/icons/hicolor/256x256/apps/org.diffusionrig.Studio.png \
         usr/share/icons/hicolor/48x48/mimetypes/application-x-diffusionrig-project.png \
         usr/share/man/man1/diffusionrig.1.gz \
         usr/share/doc/diffusionrig-studio/copyright \
         usr/share/doc/diffusionrig-studio/user-guide.md; do
  [ -e "$root/$f" ] || fail "the package lacks /$f"
done
if [ -f "${DIFFUSIONRIG_FACE_MODELS:-$HOME/.local/share/diffusionrig/face-api}/face_recognition_model.bin" ]; then
  for f in face_recognition_model.bin face_recognition_model-weights_manifest.json \
    ssd_mobilenetv1_model.bin face_expression_model.bin face_landmark_68_model.bin \
    face_landmark_68_model-weights_manifest.json LICENSE; do
    [ -e "$root/usr/share/diffusionrig/face-api/$f" ] || fail "the package lacks the face model $f"
  done
fi

echo "== validators"
desktop-file-validate "$root/usr/share/applications/org.diffusionrig.Studio.desktop" ||
  fail "desktop-file-validate"
appstreamcli validate --no-net --explain \
  "$root/usr/share/metainfo/org.diffusionrig.Studio.metainfo.xml" || fail "appstreamcli validate"
zcat "$root/usr/share/man/man1/diffusionrig.1.gz" > "$out/diffusionrig.1"
grep -q '^\.TH DIFFUSIONRIG 1' "$out/diffusionrig.1" || fail "man page header"
for cmd in align 'create\-data' train infer sample doctor; do
  grep -qxF ".SS $cmd" "$out/diffusionrig.1" || fail "man page lacks the $cmd command"
done
if command -v man > /dev/null; then
  MANWIDTH=80 man -l "$out/diffusionrig.1" > "$out/diffusionrig.1.txt" 2> "$out/man.err" ||
    fail "man cannot format the page: $(cat "$out/man.err")"
  [ ! -s "$out/man.err" ] || fail "man warnings: $(cat "$out/man.err")"
fi

echo "== installed programs"
"$root/usr/bin/diffusionrig" --version | tee "$out/version.txt"
grep -q "diffusionrig $version" "$out/version.txt" || fail "--version does not say $version"
"$root/usr/bin/diffusionrig-studio" --version | grep -q "$version" || fail "studio --version"
# doctor exits 1 when something is missing (no model files here); it must run and report.
HOME="$root/home" "$root/usr/bin/diffusionrig" doctor > "$out/doctor.txt" 2>&1 || true
grep -q -i "torch" "$out/doctor.txt" || { cat "$out/doctor.txt"; fail "doctor did not report"; }
album="$(cd "$build/../../shared/testdata/albums/mark" 2> /dev/null && pwd || true)"
if [ -e "$root/usr/share/diffusionrig/face-api/LICENSE" ] && [ -n "$album" ]; then
  # The bundled face models: two photos of one person score as one person.
  DIFFUSIONRIG_FACE_MODELS="$root/usr/share/diffusionrig/face-api" \
    "$root/usr/bin/diffusionrig" -q identity --json "$album/img13.jpg" "$album/img14.jpg" \
    > "$out/identity.json" || fail "identity with the bundled face models"
  grep -q '"threshold"' "$out/identity.json" || fail "identity printed no JSON"
fi
if [ -n "${DISPLAY:-}" ]; then
  HOME="$root/home" XDG_CONFIG_HOME="$root/home/.config" \
    "$root/usr/bin/diffusionrig-studio" --screenshot "$out/installed-studio.png" ||
    fail "the installed Studio did not start"
  [ -s "$out/installed-studio.png" ] || fail "no screenshot from the installed Studio"
else
  echo "SKIP: no display for the Studio screenshot (run under xvfb-run)"
fi
echo "== dpkg -i into a throwaway root"
# A real install and removal through dpkg's own database, in an empty root:
# the package has no maintainer scripts, so nothing needs to run inside it.
# Its library dependencies are not in that root (shlibdeps checked them above).
if [ "$(id -u)" -eq 0 ]; then
  dpkg_root="$(mktemp -d)"
  trap 'rm -rf "$root" "$dpkg_root"' EXIT
  mkdir -p "$dpkg_root/var/lib/dpkg/info" "$dpkg_root/var/lib/dpkg/updates"
  touch "$dpkg_root/var/lib/dpkg/status" "$dpkg_root/var/lib/dpkg/available"
  dpkg --root="$dpkg_root" --force-depends --force-script-chrootless -i "$deb" \
    > "$out/dpkg-install.log" 2>&1 || { cat "$out/dpkg-install.log"; fail "dpkg -i"; }
  # (Captured first: grep -q closing the pipe early would fail it under pipefail.)
  status="$(dpkg --root="$dpkg_root" -s diffusionrig-studio)"
  grep -q "^Status: install ok installed" <<<"$status" ||
    fail "dpkg does not record diffusionrig-studio as installed"
  listed="$(dpkg --root="$dpkg_root" -L diffusionrig-studio)"
  grep -qx /usr/bin/diffusionrig <<<"$listed" || fail "dpkg -L lacks /usr/bin/diffusionrig"
  installed_version="$("$dpkg_root/usr/bin/diffusionrig" --version)"
  grep -q "diffusionrig $version" <<<"$installed_version" ||
    fail "the dpkg-installed diffusionrig --version"
  dpkg --root="$dpkg_root" --force-depends --force-script-chrootless -r diffusionrig-studio \
    > "$out/dpkg-remove.log" 2>&1 || { cat "$out/dpkg-remove.log"; fail "dpkg -r"; }
  [ ! -e "$dpkg_root/usr/bin/diffusionrig" ] || fail "dpkg -r left /usr/bin/diffusionrig"
  left=""
  [ ! -d "$dpkg_root/usr" ] || left="$(find "$dpkg_root/usr" -type f)"
  [ -z "$left" ] || fail "dpkg -r left files: $left"
  echo "installed, ran and removed with dpkg --root"
else
  echo "SKIP: dpkg -i into a throwaway root needs root (dpkg -x was checked above)"
fi
echo "PASS"
