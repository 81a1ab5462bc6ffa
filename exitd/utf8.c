/*
 * Text that exitd cuts to fit a buffer.  Participants' reasons, who and
 * why are UTF-8 (D-Bus carries nothing else), and a cut in the middle of
 * a character would make the whole text invalid: D-Bus refuses to send it
 * (libdbus aborts the sender) and JSON shows every non-ASCII byte as '?'.
 */
#include <string.h>

#include "exitd.h"

/*
 * Drop the incomplete UTF-8 sequence that a cut may have left at the end
 * of s (NUL-terminated); anything else, valid or not, is left alone.
 * Returns the length of s afterwards, in bytes.
 */
size_t
utf8_trim(char *s)
{
	size_t		len = strlen(s), i, need;
	unsigned char	c;

	/* Back over continuation bytes (at most 3) to the lead byte. */
	for (i = len; i > 0 && len - i < 4; i--) {
		c = (unsigned char)s[i - 1];
		if ((c & 0xc0) == 0x80)
			continue;
		if (c < 0x80)
			break;
		need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (len - (i - 1) < need) {
			s[i - 1] = '\0';
			len = i - 1;
		}
		break;
	}
	return (len);
}
