/* The runtime's own pieces that every guest leans on: number formatting and arguments. */
#include "check.h"

static void test_format(void)
{
	char buf[48];

	snprintf(buf, sizeof buf, "%d %i", -42, 7);
	check_str("runtime.format.signed", buf, "-42 7");
	snprintf(buf, sizeof buf, "%5d|%-5d|%05d", 42, 42, -42);
	check_str("runtime.format.width", buf, "   42|42   |-0042");
	snprintf(buf, sizeof buf, "%08x %X %o %u", 0xBEEFu, 0xABCu, 8u, 4294967295u);
	check_str("runtime.format.unsigned", buf, "0000beef ABC 10 4294967295");
	snprintf(buf, sizeof buf, "%llu", 18446744073709551615ull);
	check_str("runtime.format.u64-max", buf, "18446744073709551615");
	snprintf(buf, sizeof buf, "%lld", -9223372036854775807ll - 1);
	check_str("runtime.format.s64-min", buf, "-9223372036854775808");
	snprintf(buf, sizeof buf, "%016llx", 0x0123456789ABCDEFull);
	check_str("runtime.format.x64", buf, "0123456789abcdef");
	snprintf(buf, sizeof buf, "%c%s|%-4s|%4s|%%", 'x', "yz", "ab", "cd");
	check_str("runtime.format.chars", buf, "xyz|ab  |  cd|%");
	int n = snprintf(buf, 4, "abcdef");
	check_str("runtime.format.truncated", buf, "abc");
	check32("runtime.format.truncated.length", (uint32_t)n, 6);
}

static void test_args(void)
{
	static const char region[] = "a=1  bb=0x1F c= big=4294967295";
	size_t len = 99;

	args_init(region, sizeof region);
	check32("runtime.args.decimal", arg_uint("a", 5), 1);
	check32("runtime.args.hex", arg_uint("bb", 5), 0x1F);
	check32("runtime.args.max", arg_uint("big", 5), 0xFFFFFFFF);
	check32("runtime.args.absent-uses-default", arg_uint("b", 5), 5);
	check32("runtime.args.empty-value.present", arg_present("c"), 1);
	check32("runtime.args.empty-value.length", arg_value("c", &len) != NULL ? len : 99, 0);
	args_init("", 1);
	check32("runtime.args.cleared", arg_present("a"), 0);
}

void test_runtime(void)
{
	test_format();
	test_args();
}
