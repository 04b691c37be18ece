#!/bin/sh
# Builds bench/corpus/: 28 real photographs of 4-16 megapixels, taken at
# full resolution from three Debian wallpaper packages fetched with
# `apt-get download` (the .deb files are cached in bench/corpus/.cache).
set -eu

cd "$(dirname "$0")"
corpus=corpus
cache=$corpus/.cache
stamp=$corpus/.complete
want=28

if [ -f "$stamp" ] && [ "$(ls "$corpus"/*.jpg 2>/dev/null | wc -l)" -ge "$want" ]; then
	exit 0
fi
mkdir -p "$cache"

# package  path-inside-package  corpus-name
list()
{
	l=usr/share/backgrounds
	for f in Bridge_by_Sander_Klootwijk Dragonfly_by_Bolly \
	    Picture_0B_by_freespace Wine_by_Jakkub_Mede \
	    aitzgorri_by_Aitzol_Berasategi analogpattern_by_Peter_Nerlich \
	    free_by_Peter_Nerlich friends_by_Aitzol_Berasategi \
	    greentock_by_Peter_Nerlich life_by_Aitzol_Berasategi \
	    picosdeeuropa_by_Aitzol_Berasategi \
	    seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi; do
		echo "lomiri-wallpapers-16.04 $l/$f.jpg lomiri-$f.jpg"
	done
	m=usr/share/backgrounds/mate/nature
	for f in Aqua Garden LadyBird TwoWings YellowFlower Wood; do
		echo "mate-backgrounds $m/$f.jpg mate-$f.jpg"
	done
	p=usr/share/wallpapers
	for f in ColdRipple DarkestHour EveningGlow FallenLeaf Grey Kite \
	    OneStandsOut Path summer_1am; do
		echo "plasma-workspace-wallpapers $p/$f/contents/images/2560x1600.jpg plasma-$f.jpg"
	done
}

# fetch PKG: make sure a .deb of PKG is in the cache and print its path.
fetch()
{
	deb=$(ls "$cache/$1"_*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		echo "bench: downloading $1" >&2
		if ! (cd "$cache" && apt-get download "$1" >/dev/null 2>&1); then
			[ "$(id -u)" -eq 0 ] && apt-get update -q >/dev/null
			(cd "$cache" && apt-get download "$1" >/dev/null)
		fi
		deb=$(ls "$cache/$1"_*.deb | head -n 1)
	fi
	echo "$deb"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/imgpipe-corpus.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for pkg in $(list | cut -d' ' -f1 | sort -u); do
	deb=$(fetch "$pkg")
	mkdir -p "$tmp/$pkg"
	dpkg-deb -x "$deb" "$tmp/$pkg"
done
list | while read -r pkg path name; do
	cp "$tmp/$pkg/$path" "$corpus/$name"
done
: >"$stamp"
echo "bench: corpus ready: $(ls "$corpus"/*.jpg | wc -l) photos in bench/$corpus" >&2
