// SPDX-License-Identifier: Apache-2.0
/* timingseed seed: placeholder (issue 5). */
#include "cli.h"

int cmd_seed(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return cli_usage_error("seed: not implemented yet");
}
