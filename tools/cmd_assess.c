// SPDX-License-Identifier: Apache-2.0
/* timingseed assess: placeholder until the estimators land (issue 5). */
#include "cli.h"

int cmd_assess(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("assess: not implemented yet");
}
