# Output sizes of the geometric operations, read back from the files:
# resize fit/fill/exact/one side/percent/no upscale, crop (clipped), rotate,
# and grey output of grayscale and edges.
. "$(dirname "$0")/lib.sh"

in=$T/in
put_samples "$in" dragonfly.jpg	# 1600x1200

# size SPEC WxH [CHANNELS]: the output of -p SPEC has that size.
size()
{
	rm -rf "$T/out"
	expect 0 "$in" "$T/out" -p "$1"
	set -- "$1" "$2" "${3:-}" $(imginfo "$T/out/dragonfly.jpg")
	[ "$5x$6" = "$2" ] || fail "-p $1: output is $5x$6, want $2"
	[ -z "$3" ] || [ "$7" = "$3" ] || fail "-p $1: $7 channels, want $3"
}

size resize=400x400 400x300 3
size resize=400x400:fill 400x400
size resize=400x100:exact 400x100
size resize=160x120:fit:nearest 160x120
size resize=800 800x600
size resize=x300 400x300
size resize=25% 400x300
size resize=4000x4000 1600x1200
size resize=3200x3200:fit:lanczos3:up 3200x2400
size crop=100x50+10+20 100x50
size crop=5000x5000+100+200 1500x1000
size rotate=90 1200x1600
size rotate=180 1600x1200
size rotate=270,flip,flop 1200x1600
size 'resize=300x300,grayscale' 300x225 1
size 'resize=300x300,edges' 300x225 1
size 'resize=300x300,sepia,invert,brightness=10,contrast=-10,gamma=1.2,blur=1.5,sharpen=1:0.8:2' 300x225 3
finish
