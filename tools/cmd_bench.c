// SPDX-License-Identifier: Apache-2.0
/* timingseed bench: placeholder (issue 5). */
#include "cli.h"

int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("bench: not implemented yet");
}
