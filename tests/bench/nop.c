/* nop: the smallest program, for timing spawn + exit + waitpid (tests/bench/bench.c). */
int main(void)
{
    return 0;
}
