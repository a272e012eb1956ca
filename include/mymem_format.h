/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mymem_format.h - the one C reader of the result formats of
 * mymem_results.h (MYMEM_<FORMAT>_FORMAT: NAME:TYPE,NAME:TYPE...), for
 * the tools and for mymem_test alike.  Freestanding (no library call, no
 * type of either side), so that the same code builds in and out of the
 * kernel; report/formats.py is the Python one.
 */
#ifndef MYMEM_FORMAT_H
#define MYMEM_FORMAT_H

/**
 * struct mymem_column - one column of a format
 * @name:	its name, not NUL-terminated: @len characters
 * @len:	the length of @name
 * @text:	1 if its TYPE is text, 0 if int or real
 */
struct mymem_column {
	const char *name;
	int len;
	int text;
};

/**
 * mymem_format_next() - the column at a position of a format
 * @pos:	the start of the format, then where the last call left it
 * @col:	the column found there
 *
 * Return: 1 with @col set and @pos moved past the column and its comma;
 * 0 at the end of the format; -1 if the column is malformed (a name
 * without its ":TYPE"), which is a bug of mymem_results.h.
 */
static inline int mymem_format_next(const char **pos, struct mymem_column *col)
{
	const char *p = *pos, *type;

	if (!*p)
		return 0;
	col->name = p;
	while (*p && *p != ':' && *p != ',')
		p++;
	if (*p != ':' || p == col->name)
		return -1;
	col->len = p - col->name;
	type = ++p;
	while (*p && *p != ',')
		p++;
	col->text = p - type == 4 && type[0] == 't' && type[1] == 'e' &&
		    type[2] == 'x' && type[3] == 't';
	*pos = *p ? p + 1 : p;
	return 1;
}

#endif /* MYMEM_FORMAT_H */
