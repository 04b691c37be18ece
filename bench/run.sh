#!/bin/sh
# Benchmark: the standard job (resize to 800x800 + sharpen, JPEG q85) over
# bench/corpus, RUNS times per mode, against vipsthumbnail on one thread.
# Prints one key=value line per measurement; see bench/README.md.
set -eu

cd "$(dirname "$0")/.."
IMGPIPE=${IMGPIPE:-build/imgpipe}
RUNS=${RUNS:-5}
MODES=${MODES:-seq}
PIPELINE="resize=800x800,sharpen=0.6"
out=bench/out
corpus=bench/corpus

sh bench/corpus.sh
mkdir -p "$out"
echo "cflags=${CFLAGS_USED:-unknown}"
echo "cc=$(${CC:-cc} --version 2>/dev/null | head -n 1 | tr ' ' '_')" \
    "cpus=$(getconf _NPROCESSORS_ONLN)" "runs=$RUNS"

now()
{
	date +%s.%N
}

# median_of FILE: the median of the numbers in FILE, one per line.
median_of()
{
	python3 -c 'import statistics,sys; print("%.4f" % statistics.median(float(l) for l in open(sys.argv[1]) if l.strip()))' "$1"
}

calc()
{
	python3 -c "print('%.3f' % ($1))"
}

images=$(ls "$corpus"/*.jpg | wc -l | tr -d ' ')
mp=$(python3 tests/cli/imginfo.py "$corpus"/*.jpg |
    awk '{ t += $2 * $3 } END { printf "%.3f", t / 1e6 }')
echo "corpus=$corpus images=$images megapixels=$mp"

seq_img_s=""
for mode in $MODES; do
	: >"$out/wall.$mode"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -rf "${out:?}/$mode"
		"$IMGPIPE" "$corpus" "$out/$mode" -m "$mode" -p "$PIPELINE" -q 85 \
		    --quiet --report "$out/report.$mode.json"
		python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["images"]["failed"] == 0, "failures"; print(r["wall_s"])' \
		    "$out/report.$mode.json" >>"$out/wall.$mode"
		i=$((i + 1))
	done
	wall=$(median_of "$out/wall.$mode")
	workers=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workers"])' \
	    "$out/report.$mode.json")
	img_s=$(calc "$images / $wall")
	echo "mode=$mode workers=$workers runs=$RUNS images=$images" \
	    "median_wall_s=$wall median_img_s=$img_s" \
	    "median_mp_s=$(calc "$mp / $wall")"
	[ "$mode" = seq ] && seq_img_s=$img_s
done

if ! command -v vipsthumbnail >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	echo "bench: installing libvips-tools" >&2
	apt-get install -y -q libvips-tools >/dev/null 2>&1 ||
	    echo "bench: could not install libvips-tools; skipping vips" >&2
fi
if command -v vipsthumbnail >/dev/null 2>&1; then
	: >"$out/wall.vips"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		rm -rf "$out/vips"
		mkdir -p "$out/vips"
		t0=$(now)
		# -o is relative to each input's folder, hence the absolute path.
		VIPS_CONCURRENCY=1 vipsthumbnail --size 800x800 \
		    -o "$(pwd)/$out/vips/%s.jpg[Q=85]" "$corpus"/*.jpg \
		    2>"$out/vips.log" || { cat "$out/vips.log" >&2; exit 1; }
		t1=$(now)
		calc "$t1 - $t0" >>"$out/wall.vips"
		i=$((i + 1))
	done
	wall=$(median_of "$out/wall.vips")
	vips_img_s=$(calc "$images / $wall")
	line="tool=vipsthumbnail version=$(vips --version 2>/dev/null | tr ' ' '_')"
	line="$line concurrency=1 runs=$RUNS images=$images median_wall_s=$wall"
	line="$line median_img_s=$vips_img_s median_mp_s=$(calc "$mp / $wall")"
	if [ -n "$seq_img_s" ]; then
		line="$line ratio_seq_over_vips=$(calc "$seq_img_s / $vips_img_s")"
	fi
	echo "$line"
else
	echo "tool=vipsthumbnail skipped=not_installed"
fi

# Decode-only reference: what libjpeg-turbo alone costs at full size.
if command -v djpeg >/dev/null 2>&1; then
	: >"$out/wall.djpeg"
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(now)
		for f in "$corpus"/*.jpg; do
			djpeg "$f" >/dev/null
		done
		t1=$(now)
		calc "$t1 - $t0" >>"$out/wall.djpeg"
		i=$((i + 1))
	done
	wall=$(median_of "$out/wall.djpeg")
	echo "tool=djpeg decode_only=full_size runs=$RUNS images=$images" \
	    "median_wall_s=$wall median_img_s=$(calc "$images / $wall")" \
	    "median_mp_s=$(calc "$mp / $wall")"
fi
