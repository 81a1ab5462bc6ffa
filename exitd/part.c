/*
 * The participant kinds exitd knows: one struct part_ops per kind, each
 * in its own file part-KIND.c.  Adding a kind is one file plus one entry
 * here.  The order is the order of the calls within a phase, and the
 * order in which the kinds collect their participants at Check: a kind
 * whose collect can refuse the operation (the programs', when the
 * registry cannot be read) comes before kinds whose collect has side
 * effects (the critical sections' raises the suspend-pending flag).
 */
#include <string.h>

#include "exitd.h"

#ifdef EXITD_PART_SCRIPT
/* tests/part-script.c: the scripted kind, only in tests/exitd-script. */
extern const struct part_ops part_script_ops;
#endif

const struct part_ops *const part_kinds[] = {
	&part_program_ops,
	&part_critical_ops,
#ifdef EXITD_PART_SCRIPT
	&part_script_ops,
#endif
	NULL
};

/* The kind of this name (as the journal writes it), or NULL. */
const struct part_ops *
part_kind_find(const char *name)
{
	size_t	i;

	for (i = 0; part_kinds[i] != NULL; i++) {
		if (strcmp(part_kinds[i]->name, name) == 0)
			return (part_kinds[i]);
	}
	return (NULL);
}
