#!/usr/bin/env python3
"""Rebuild the HEIC and AVIF test files of this folder (run from anywhere).

Encoded with Debian 12's heif-enc (libheif 1.15.1: x265 for HEVC, aom for
AV1) from thumbnails that vipsthumbnail makes of the repository's own
images (and two tiny seeds for tests/fuzz/seeds/heif/); then some are edited box by box (below), for what heif-enc cannot
write: irot and imir transforms, a 2x2 grid of separately encoded tiles,
headers that lie about the size, a cut file.  The README of tests/data
says what each file is for.
"""
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", "..", ".."))


def run(*cmd):
    print("+", " ".join(cmd))
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def src(path):
    return os.path.join(TOP, path)


def out(name):
    return os.path.join(HERE, name)


# ISO-BMFF boxes ------------------------------------------------------------

def box(kind, payload):
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full(kind, version, flags, payload):
    return box(kind, struct.pack(">I", version << 24 | flags) + payload)


def children(data, start, end):
    """(type, offset, size) of each box in data[start:end]."""
    p = start
    while p + 8 <= end:
        size, kind = struct.unpack(">I4s", data[p:p + 8])
        if size < 8 or p + size > end:
            raise ValueError("bad box at %d" % p)
        yield kind, p, size
        p += size


def find(data, kind, start, end):
    for k, p, n in children(data, start, end):
        if k == kind:
            return p, n
    raise KeyError(kind)


def meta_parts(data):
    """The top-level boxes, and meta's children (meta is a full box)."""
    top = list(children(data, 0, len(data)))
    mp, mn = [(p, n) for k, p, n in top if k == b"meta"][0]
    return top, mp, mn, list(children(data, mp + 12, mp + mn))


def primary_id(data, mp, mn):
    p, n = find(data, b"pitm", mp + 12, mp + mn)
    return struct.unpack(">H", data[p + 12:p + 14])[0]


def parse_iloc(payload):
    """iloc version 0 or 1 (what libheif writes): a list of items."""
    ver = payload[0]
    sizes = payload[4:6]
    osz, lsz, bsz = sizes[0] >> 4, sizes[0] & 15, sizes[1] >> 4
    isz = sizes[1] & 15 if ver >= 1 else 0
    pos = 6
    count = struct.unpack(">H", payload[pos:pos + 2])[0]
    pos += 2

    def num(n):
        nonlocal pos
        v = int.from_bytes(payload[pos:pos + n], "big") if n else 0
        pos += n
        return v

    items = []
    for _ in range(count):
        iid = num(2)
        method = num(2) & 15 if ver >= 1 else 0
        dref = num(2)
        base = num(bsz)
        exts = []
        for _ in range(num(2)):
            idx = num(isz)
            exts.append([idx, num(osz), num(lsz)])
        items.append([iid, method, dref, base, exts])
    return ver, (osz, lsz, bsz, isz), items


def write_iloc(ver, sz, items):
    osz, lsz, bsz, isz = sz
    b = bytes([osz << 4 | lsz, bsz << 4 | isz]) + struct.pack(">H", len(items))
    for iid, method, dref, base, exts in items:
        b += struct.pack(">H", iid)
        if ver >= 1:
            b += struct.pack(">H", method)
        b += struct.pack(">H", dref) + base.to_bytes(bsz, "big")
        b += struct.pack(">H", len(exts))
        for idx, off, ln in exts:
            b += idx.to_bytes(isz, "big") if isz else b""
            b += off.to_bytes(osz, "big") + ln.to_bytes(lsz, "big")
    return full(b"iloc", ver, 0, b)


def rebuild(data, new_meta_children):
    """data with meta's children replaced; file offsets in iloc follow."""
    top, mp, mn, _ = meta_parts(data)
    hdr = data[mp + 8:mp + 12]
    body = b"".join(new_meta_children)
    meta = struct.pack(">I4s", 12 + len(body), b"meta") + hdr + body
    delta = len(meta) - mn
    kids = list(children(meta, 12, len(meta)))
    ip, iln = [(p, n) for k, p, n in kids if k == b"iloc"][0]
    ver, sz, items = parse_iloc(meta[ip + 8:ip + iln])
    for it in items:
        if it[1] == 0:  # offsets into the file, not into idat
            if it[3]:
                it[3] += delta
            else:
                for e in it[4]:
                    e[1] += delta
    iloc = write_iloc(ver, sz, items)
    assert len(iloc) == iln
    meta = meta[:ip] + iloc + meta[ip + iln:]
    return data[:mp] + meta + data[mp + mn:]


def edit_props(data, add, ispe=None):
    """Append property boxes add to ipco, associated with the primary
    item after its others (transforms apply in that order); with ispe,
    every ispe box of the primary says that size."""
    top, mp, mn, kids = meta_parts(data)
    pid = primary_id(data, mp, mn)
    new = []
    for k, p, n in kids:
        b = data[p:p + n]
        if k == b"iprp":
            b = edit_iprp(b, pid, add, ispe)
        new.append(b)
    return rebuild(data, new)


def edit_iprp(b, pid, add, ispe):
    cp, cn = find(b, b"ipco", 8, len(b))
    ap, an = find(b, b"ipma", 8, len(b))
    ipco = b[cp + 8:cp + cn]
    nprops = len(list(children(ipco, 0, len(ipco))))
    ipma = b[ap:ap + an]
    ver, flags = ipma[8], int.from_bytes(ipma[9:12], "big")
    wide = flags & 1
    count = struct.unpack(">I", ipma[12:16])[0]
    pos, entries = 16, []
    for _ in range(count):
        if ver < 1:
            iid = struct.unpack(">H", ipma[pos:pos + 2])[0]
            pos += 2
        else:
            iid = struct.unpack(">I", ipma[pos:pos + 4])[0]
            pos += 4
        n = ipma[pos]
        pos += 1
        k = 2 if wide else 1
        assoc = [ipma[pos + i * k:pos + (i + 1) * k] for i in range(n)]
        pos += n * k
        entries.append([iid, assoc])
    for e in entries:
        if e[0] != pid:
            continue
        for i, a in enumerate(add):
            idx = nprops + 1 + i
            e[1].append(struct.pack(">H", 0x8000 | idx) if wide
                        else bytes([0x80 | idx]))
        if ispe is not None:
            for a in e[1]:
                idx = (int.from_bytes(a, "big") & (0x7fff if wide else 0x7f))
                ipco = set_ispe(ipco, idx, ispe)
    ipco += b"".join(add)
    body = struct.pack(">I", len(entries))
    for iid, assoc in entries:
        body += struct.pack(">H" if ver < 1 else ">I", iid)
        body += bytes([len(assoc)]) + b"".join(assoc)
    new_ipma = full(b"ipma", ver, flags, body)
    rest = b""
    for k, p, n in children(b, 8, len(b)):
        if k == b"ipco":
            rest += box(b"ipco", ipco)
        elif k == b"ipma":
            rest += new_ipma
        else:
            rest += b[p:p + n]
    return box(b"iprp", rest)


def set_ispe(ipco, idx, size):
    for i, (k, p, n) in enumerate(children(ipco, 0, len(ipco))):
        if i + 1 == idx and k == b"ispe":
            return (ipco[:p + 12] + struct.pack(">II", *size) +
                    ipco[p + 20:])
    return ipco


def set_nclx(data, primaries, transfer):
    """Every colr nclx box says these colour primaries and transfer
    (heif-enc 1.15 writes 2, unspecified, whatever its options say)."""
    p = data.find(b"colrnclx")
    assert p > 0
    return (data[:p + 8] + struct.pack(">HH", primaries, transfer) +
            data[p + 12:])


def irot(quarter_turns_ccw):
    return box(b"irot", bytes([quarter_turns_ccw & 3]))


def imir(axis):
    return box(b"imir", bytes([axis & 1]))


# A 2x2 grid of tiles encoded separately ----------------------------------

def single_image(data):
    """hvcC, ispe and the coded bytes of a one-image HEIC from heif-enc."""
    top, mp, mn, kids = meta_parts(data)
    pid = primary_id(data, mp, mn)
    ip, iln = find(data, b"iloc", mp + 12, mp + mn)
    _, _, items = parse_iloc(data[ip + 8:ip + iln])
    it = [i for i in items if i[0] == pid][0]
    coded = b"".join(data[it[3] + o:it[3] + o + n] for _, o, n in it[4])
    pp, pn = find(data, b"iprp", mp + 12, mp + mn)
    cp, cn = find(data, b"ipco", pp + 8, pp + pn)
    hvcc, _ = find(data, b"hvcC", cp + 8, cp + cn)
    return data[hvcc:hvcc + struct.unpack(">I", data[hvcc:hvcc + 4])[0]], \
        coded


def grid_file(tiles, tw, th, cols, rows, width, height):
    """A HEIC whose primary item is a grid of the tiles (row by row)."""
    n = len(tiles)
    grid_id, first = 1, 2
    ftyp = box(b"ftyp", b"heic" + struct.pack(">I", 0) + b"mif1heic")
    hdlr = full(b"hdlr", 0, 0, b"\0" * 4 + b"pict" + b"\0" * 12 + b"\0")
    pitm = full(b"pitm", 0, 0, struct.pack(">H", grid_id))
    infe = [full(b"infe", 2, 0, struct.pack(">HH", grid_id, 0) + b"grid\0")]
    for i in range(n):
        infe.append(full(b"infe", 2, 1, struct.pack(">HH", first + i, 0) +
                         b"hvc1\0"))
    iinf = full(b"iinf", 0, 0, struct.pack(">H", len(infe)) + b"".join(infe))
    dimg = box(b"dimg", struct.pack(">HH", grid_id, n) +
               b"".join(struct.pack(">H", first + i) for i in range(n)))
    iref = full(b"iref", 0, 0, dimg)
    griddata = bytes([0, 0, rows - 1, cols - 1]) + struct.pack(
        ">HH", width, height)
    idat = box(b"idat", griddata)
    props = [tiles[i][0] for i in range(n)]
    props.append(full(b"ispe", 0, 0, struct.pack(">II", tw, th)))
    props.append(full(b"ispe", 0, 0, struct.pack(">II", width, height)))
    ipco = box(b"ipco", b"".join(props))
    tile_ispe, grid_ispe = n + 1, n + 2
    body = struct.pack(">I", n + 1)
    body += struct.pack(">HB", grid_id, 1) + bytes([grid_ispe])
    for i in range(n):
        body += struct.pack(">HB", first + i, 2) + bytes(
            [0x80 | (i + 1), tile_ispe])
    iprp = box(b"iprp", ipco + full(b"ipma", 0, 0, body))

    def iloc_for(mdat_at):
        items = [[grid_id, 1, 0, 0, [[0, 0, len(griddata)]]]]
        off = mdat_at + 8
        for i in range(n):
            items.append([first + i, 0, 0, 0, [[0, off, len(tiles[i][1])]]])
            off += len(tiles[i][1])
        return write_iloc(1, (4, 4, 0, 0), items)

    def meta_for(iloc):
        b = hdlr + pitm + iloc + iinf + iref + idat + iprp
        return struct.pack(">I4sI", 12 + len(b), b"meta", 0) + b

    meta = meta_for(iloc_for(0))
    meta = meta_for(iloc_for(len(ftyp) + len(meta)))
    mdat = box(b"mdat", b"".join(t[1] for t in tiles))
    return ftyp + meta + mdat


# The files -----------------------------------------------------------------

def main():
    tmp = tempfile.mkdtemp()

    def thumb(name, size, path, extra=()):
        p = os.path.join(tmp, name)
        run("vipsthumbnail", src(path), "--size", size, *extra, "-o", p)
        return p

    rgb = thumb("rgb.png", "96x72", "samples/dragonfly.jpg")
    alpha = thumb("alpha.png", "90x66", "samples/nuthatch-vignette-alpha.png")
    run("heif-enc", "-q", "60", rgb, "-o", out("rgb.heic"))
    run("heif-enc", "-A", "-q", "60", rgb, "-o", out("rgb-av1.avif"))
    run("heif-enc", "-q", "60", alpha, "-o", out("alpha.heic"))
    run("heif-enc", "-A", "-q", "60", alpha, "-o", out("alpha-av1.avif"))
    # The same picture premultiplied, and marked so (libheif hands it out
    # premultiplied; imgpipe divides it out).
    pm = os.path.join(tmp, "premul.v")
    run("vips", "premultiply", alpha, pm)
    run("vips", "cast", pm, pm + ".png", "uchar")
    run("heif-enc", "--premultiplied-alpha", "-q", "60", pm + ".png", "-o",
        out("premultiplied.heic"))
    run("heif-enc", "-b", "10", "-q", "60", src("tests/data/jpeg/monkey16.png"),
        "-o", out("10bit.heic"))
    run("heif-enc", "-A", "-b", "12", "-q", "60",
        src("tests/data/jpeg/monkey16.png"), "-o", out("12bit.avif"))
    # The iPhone photo: Display P3 ICC, EXIF with Orientation 6 (heif-enc
    # keeps the tag and writes no irot: the pixels stay as stored).
    run("heif-enc", "-q", "40", src("tests/data/photos/apple-iphone7.jpg"),
        "-o", out("iphone-p3-exif.heic"))
    # Lightroom's: Adobe RGB ICC, EXIF and XMP; 213 wide, so heif-enc
    # wraps a 214-wide coded image in a one-tile grid cropped to 213.
    run("heif-enc", "-q", "40", src("tests/data/photos/canon-eos7d.jpg"),
        "-o", out("canon-xmp.heic"))
    base = open(out("rgb.heic"), "rb").read()
    avif = open(out("rgb-av1.avif"), "rb").read()
    # nclx colour without ICC: Display P3 primaries with the sRGB curve,
    # and BT.2020 with PQ (an HDR transfer).
    open(out("p3-nclx.avif"), "wb").write(set_nclx(avif, 12, 13))
    open(out("pq-nclx.avif"), "wb").write(set_nclx(avif, 9, 16))
    # irot 1: 90 degrees anticlockwise; imir 0, which libheif 1.15 (and so
    # heif-convert) reads as swapping top and bottom; irot 3 then imir 1
    # (left and right swapped): the transpose.
    open(out("irot.heic"), "wb").write(edit_props(base, [irot(1)]))
    open(out("imir.heic"), "wb").write(edit_props(base, [imir(0)]))
    open(out("irot-imir.heic"), "wb").write(
        edit_props(base, [irot(3), imir(1)]))
    open(out("irot-av1.avif"), "wb").write(edit_props(avif, [irot(1)]))
    # Headers that lie: 20000x20000 (libheif accepts it, --max-pixels must
    # refuse it before decoding) and 100000x100000 (over libheif's limit).
    open(out("ispe-20000.heic"), "wb").write(
        edit_props(base, [], ispe=(20000, 20000)))
    open(out("ispe-100000.heic"), "wb").write(
        edit_props(base, [], ispe=(100000, 100000)))
    open(out("truncated.heic"), "wb").write(base[:len(base) * 6 // 10])

    # 2x2 tiles of 64x64 (the whole picture 128x96, so the bottom row is
    # cropped to 32), each encoded on its own, as a phone's tiles are.
    big = thumb("big.png", "128x96", "samples/ladybird.jpg",
                ("--crop",))
    tiles = []
    for i, (x, y) in enumerate(((0, 0), (64, 0), (0, 64), (64, 64))):
        t = os.path.join(tmp, "t%d.png" % i)
        run("vips", "extract_area", big, t, str(x), str(y), "64",
            str(min(64, 96 - y)))
        tp = os.path.join(tmp, "t%d.png" % i)
        if y == 64:  # pad the last row of tiles to 64 high
            run("vips", "embed", t, tp + ".pad.png", "0", "0", "64", "64",
                "--extend", "copy")
            tp += ".pad.png"
        hp = os.path.join(tmp, "t%d.heic" % i)
        run("heif-enc", "-q", "60", tp, "-o", hp)
        tiles.append(single_image(open(hp, "rb").read()))
    open(out("grid.heic"), "wb").write(
        grid_file(tiles, 64, 64, 2, 2, 128, 96))
    # Tiny seeds for fuzz_heif (tests/fuzz/seeds/heif/): 16x12, HEVC and
    # AV1 with alpha.
    seeds = os.path.join(TOP, "tests", "fuzz", "seeds", "heif")
    os.makedirs(seeds, exist_ok=True)
    tiny = thumb("tiny.png", "16x12", "samples/nuthatch-vignette-alpha.png")
    run("heif-enc", "-q", "30", tiny, "-o", os.path.join(seeds, "tiny.heic"))
    run("heif-enc", "-A", "-q", "30", tiny, "-o",
        os.path.join(seeds, "tiny-alpha.avif"))
    # The same grid whose grid box says 30000x30000 while its ispe says
    # 128x96: libheif 1.15 allocates the former and then crashes.
    g = bytearray(open(out("grid.heic"), "rb").read())
    p = g.find(b"idat") + 4
    g[p + 4:p + 8] = struct.pack(">HH", 30000, 30000)
    open(out("grid-lies.heic"), "wb").write(bytes(g))
    # The picture the tiles were cut from, to check where each one went.
    run("vips", "jpegsave", big, out("grid-source.jpg"), "--Q", "90",
        "--strip")


if __name__ == "__main__":
    sys.exit(main())
