/*
 * exitctl participants: everything that takes part in the next operation,
 * as exitd sees it now: registered exit programs, critical sections held,
 * D-Bus voters and inhibitor locks (with who holds them), dr_reconfig
 * processes.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitctl.h"

static void	ctl_participants_line(json_t *);
static int	ctl_participants_detail(const char *, json_t *);

/*
 * A detail that OUTPUT CONVENTIONS words differently in text: a time
 * (ISO 8601 in JSON) as YYYY-MM-DD HH:MM:SS, a duration (*_ms in JSON)
 * with its unit.  Returns 1 if printed, 0 to print it as it is.
 */
static int
ctl_participants_detail(const char *key, json_t *v)
{
	const char	*s;
	size_t		 len = strlen(key);
	json_int_t	 ms;

	if (len > 3 && strcmp(key + len - 3, "_ms") == 0 &&
	    json_is_integer(v)) {
		ms = json_integer_value(v);
		if (ms % 1000 == 0)
			printf("\n%20s%.*s: %lld s", "", (int)(len - 3), key,
			    (long long)(ms / 1000));
		else
			printf("\n%20s%.*s: %lld ms", "", (int)(len - 3), key,
			    (long long)ms);
		return (1);
	}
	/* exitd's times are its local time, as exitctl's are. */
	if (strcmp(key, "since") == 0 && json_is_string(v) &&
	    strlen(s = json_string_value(v)) >= 19 && s[10] == 'T') {
		printf("\n%20s%s: %.10s %.8s", "", key, s, s + 11);
		return (1);
	}
	return (0);
}

/* One participant as a line: kind, pid, who, then its details. */
static void
ctl_participants_line(json_t *o)
{
	json_t		*details, *v;
	const char	*key;
	char		*text;

	printf("%-10s %7lld  %s", json_string_value(json_object_get(o,
	    "kind")), (long long)json_integer_value(json_object_get(o, "pid")),
	    json_string_value(json_object_get(o, "who")));
	details = json_object_get(o, "details");
	json_object_foreach(details, key, v) {
		if (ctl_participants_detail(key, v))
			continue;
		if (json_is_string(v)) {
			if (*json_string_value(v) != '\0')
				printf("\n%20s%s: %s", "", key,
				    json_string_value(v));
		} else if ((text = json_dumps(v, JSON_ENCODE_ANY)) != NULL) {
			printf("\n%20s%s: %s", "", key, text);
			free(text);
		}
	}
	putchar('\n');
}

/* exitctl participants [--json]. */
int
ctl_participants(int argc, char **argv)
{
	struct exitpt_client	*c;
	json_error_t		 jerr;
	json_t			*arr, *o;
	char			*text;
	size_t			 i;
	int			 error;

	if ((error = ctl_noopt("participants", argc, argv)) != 0)
		return (error);
	if (optind != argc)
		return (ctl_usage_error("participants", "takes no argument"));
	if ((error = ctl_open("participants", &c)) != 0)
		return (error);
	error = exitpt_client_participants(c, &text);
	exitpt_client_close(c);
	if (error != 0)
		return (ctl_fail("participants", error, "cannot list them"));
	arr = json_loads(text, 0, &jerr);
	free(text);
	if (arr == NULL || !json_is_array(arr)) {
		json_decref(arr);
		fprintf(stderr, "exitctl: participants: exitd's answer is not "
		    "a JSON array: %s\n", jerr.text);
		return (DRIVER_EXIT_SOFTWARE);
	}
	if (ctl_opts.json)
		return (ctl_json_print(arr));
	if (json_array_size(arr) == 0)
		printf("no participants\n");
	else
		printf("%-10s %7s  %s\n", "KIND", "PID", "WHO");
	json_array_foreach(arr, i, o)
		ctl_participants_line(o);
	json_decref(arr);
	return (DRIVER_EXIT_OK);
}
