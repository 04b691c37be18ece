/*
 * A consumer of decoded rows: what a decoder that can stream (struct
 * codec's decode_rows) writes its rows into instead of a whole image, so
 * that whoever consumes them needs only a window of rows at a time.  The
 * decoder knows nothing of what the consumer does with them.
 */
#ifndef IMGPIPE_ROW_SINK_H
#define IMGPIPE_ROW_SINK_H

struct imgpipe_error;

/* The most rows a decoder hands over in one band. */
#define ROW_SINK_MAX_ROWS 16

/*
 * The decoder calls begin once, with the size and channels (1..4) of the
 * U8 rows it will produce, before any row; then, for each band of n <=
 * ROW_SINK_MAX_ROWS rows in order from row 0, rows() for where to write
 * them (rows[0 .. n), each w * channels bytes) and, once written, done().
 * Every row is handed over once, in order; on success all h of them.  Each
 * returns 0 or a negative IMGPIPE_E* code (err set), which the decoder
 * returns at once.
 */
struct row_sink {
	int (*begin)(void *ctx, int w, int h, int channels,
		     struct imgpipe_error *err);
	int (*rows)(void *ctx, int y0, int n, unsigned char **rows,
		    struct imgpipe_error *err);
	int (*done)(void *ctx, int y0, int n, struct imgpipe_error *err);
	void *ctx;
};

#endif
