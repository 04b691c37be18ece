/*
 * mkicc KIND OUT: write an ICC profile the tests and the bench need but no
 * Debian package ships.  KIND p3: Display P3 (DCI-P3 primaries, D65 white,
 * the sRGB curve), as Apple's phones tag their photos.  Built with lcms,
 * like imgpipe's own sRGB profile, with a fixed creation date so that the
 * file is the same on every run.
 */
#include <stdio.h>
#include <string.h>

#include <lcms2.h>

static int
write_p3(const char *path)
{
	static const cmsFloat64Number srgb[5] = { 2.4, 1.0 / 1.055,
						  0.055 / 1.055, 1.0 / 12.92,
						  0.04045 };
	cmsCIExyYTRIPLE prim = { { 0.680, 0.320, 1.0 },
				 { 0.265, 0.690, 1.0 },
				 { 0.150, 0.060, 1.0 } };
	cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
	cmsToneCurve *c = cmsBuildParametricToneCurve(NULL, 4, srgb);
	cmsToneCurve *trc[3] = { c, c, c };
	cmsHPROFILE h = cmsCreateRGBProfile(&d65, &prim, trc);
	cmsMLU *mlu = cmsMLUalloc(NULL, 1);
	unsigned char buf[8192];
	cmsUInt32Number n = sizeof(buf);
	FILE *f;
	int ok;

	ok = h != NULL && mlu != NULL &&
	     cmsMLUsetASCII(mlu, "en", "US", "Display P3") &&
	     cmsWriteTag(h, cmsSigProfileDescriptionTag, mlu) &&
	     cmsSaveProfileToMem(h, NULL, &n) && n <= sizeof(buf) &&
	     cmsSaveProfileToMem(h, buf, &n);
	if (ok) {
		/* Creation date 2024-01-01, no profile ID
		 * (bytes 24..35, 84..99). */
		memset(buf + 24, 0, 12);
		buf[24] = 2024 >> 8, buf[25] = 2024 & 0xff, buf[27] = 1,
		buf[29] = 1;
		memset(buf + 84, 0, 16);
		f = fopen(path, "wb");
		ok = f != NULL && fwrite(buf, 1, n, f) == n;
		if (f != NULL && fclose(f) != 0)
			ok = 0;
	}
	if (mlu != NULL)
		cmsMLUfree(mlu);
	if (h != NULL)
		cmsCloseProfile(h);
	if (c != NULL)
		cmsFreeToneCurve(c);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "p3") == 0)
		return write_p3(argv[2]);
	fputs("usage: mkicc p3 OUT.icc\n", stderr);
	return 2;
}
