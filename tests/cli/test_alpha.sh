# Alpha: PNG with alpha -> JPEG is flattened to 3 channels onto
# --background; PNG output keeps the alpha channel.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" nuthatch-vignette-alpha.png

expect 0 "$in" "$T/jpg" -f jpeg
f=$(ls "$T"/jpg/nuthatch-vignette-alpha.*)
set -- $(imginfo "$f")
[ "$1 $4 $5" = "jpeg 3 complete" ] || fail "alpha -> JPEG gave: $*"

expect 0 "$in" "$T/black" -f jpeg --background 000000
cmp -s "$f" "$(ls "$T"/black/nuthatch-vignette-alpha.*)" &&
    fail "--background 000000 made no difference"

expect 0 "$in" "$T/png" -p resize=300x300
set -- $(imginfo "$T/png/nuthatch-vignette-alpha.png")
[ "$1 $4" = "png 4" ] || fail "PNG output lost its alpha: $*"

# Grey + alpha stays two channels.
cp "$DATA/pngsuite/basn4a08.png" "$in/"
expect 0 "$in" "$T/ga"
set -- $(imginfo "$T/ga/basn4a08.png")
[ "$1 $4" = "png 2" ] || fail "grey+alpha PNG became: $*"
finish
