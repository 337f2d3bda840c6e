/* commands.h - the entry points of the crawlfleet subcommands. Each takes
 * the subcommand's argv (argv[0] is its name) and returns an exit code
 * (cli.h). */
#ifndef COMMANDS_H
#define COMMANDS_H

int cmd_crawl(int argc, char **argv);
int cmd_seed(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_control(int argc, char **argv); /* pause, resume, cancel */
int cmd_list(int argc, char **argv);
int cmd_workers(int argc, char **argv);
int cmd_dead(int argc, char **argv);
int cmd_delete(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_run(int argc, char **argv);

#endif
