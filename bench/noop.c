/*
 * A no-op exit program for bench/phase-bench: it answers nothing, so that
 * the benchmark measures only what it costs to start, supervise and reap
 * exit programs.
 */
int
main(void)
{
	return (0);
}
