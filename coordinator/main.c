/* main.c - crawlfleet: global flags, then the subcommand (commands.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int main(int argc, char **argv)
{
    const struct command *cmd;

    if (argc < 2) {
        cli_print_overview(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("%s %s\n", CLI_PROG, CLI_VERSION);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_print_overview(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "help") == 0) {
        if (argc < 3) {
            cli_print_overview(stdout);
            return CLI_OK;
        }
        cmd = cli_command_find(argv[2]);
        if (!cmd)
            return cli_usage(NULL, "unknown command '%s' (see --help)",
                             argv[2]);
        cli_print_help(cmd);
        return CLI_OK;
    }
    cmd = cli_command_find(argv[1]);
    if (!cmd)
        return cli_usage(NULL, "unknown command '%s' (see --help)", argv[1]);
    return cmd->run(argc - 1, argv + 1);
}
