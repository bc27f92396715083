// SPDX-License-Identifier: Apache-2.0
/* timingseed check: placeholder (issue 5). */
#include "cli.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("check: not implemented yet");
}
