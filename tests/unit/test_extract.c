// SPDX-License-Identifier: Apache-2.0
/* openentropy's byte extractors on known vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "timingseed/extract.h"

static void test_timing_entropy_readme_vector(void **state)
{
	/* The example of shared/seeds/README.md: 100, 200, 150 give 0x55. */
	const uint64_t t[] = {100, 200, 150};
	uint8_t out[4] = {0};

	(void)state;
	assert_int_equal(ts_extract_timing_entropy(t, 3, out, 4), 1);
	assert_int_equal(out[0], 0x55);
}

static void test_timing_entropy_limits(void **state)
{
	const uint64_t t[] = {0, 1, 3, 6, 10, 15};
	uint8_t out[8];

	(void)state;
	/* d = 1,2,3,4,5; x = 3,1,7,1 */
	assert_int_equal(ts_extract_timing_entropy(t, 6, out, 8), 4);
	assert_int_equal(out[0], 3);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 7);
	assert_int_equal(out[3], 1);
	assert_int_equal(ts_extract_timing_entropy(t, 6, out, 2), 2);
	assert_int_equal(ts_extract_timing_entropy(t, 2, out, 8), 0);
}

static void test_debiased(void **state)
{
	/* Pairs of differences: (1,2)->1 (5,3)->0 (4,4)->dropped, then 6 more
	 * pairs alternating to fill one byte: 1 0 1 0 1 0 1 0 = 0xAA. */
	const uint64_t d[] = {1, 2, 5, 3, 4, 4, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 1};
	uint64_t t[19];
	uint8_t out[2] = {0};
	size_t i;

	(void)state;
	t[0] = 1000;
	for (i = 0; i < 18; i++)
		t[i + 1] = t[i] + d[i];
	assert_int_equal(ts_extract_timing_entropy_debiased(t, 19, out, 2), 1);
	assert_int_equal(out[0], 0xAA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timing_entropy_readme_vector),
		cmocka_unit_test(test_timing_entropy_limits),
		cmocka_unit_test(test_debiased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
