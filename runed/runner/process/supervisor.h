// The per-instance supervisor (SPEC §5.9): the hidden mode
// `runed __supervise <ns>/<id>` that runed starts for every process
// instance. It detaches (double fork, own session, so it is never runed's
// child and outlives it), reads a SuperviseRequest from stdin, launches the
// service process, answers a SuperviseReply on stdout, then holds the
// process's stdout/stderr pipes and appends every line to the instance's log
// file, reaps the process and writes `status` into the instance directory.
//
//   // runed/main.cc, before anything else:
//   if (argc > 1 && std::strcmp(argv[1], kSuperviseArg) == 0) return SuperviseMain(argc, argv);
#ifndef RUNE_RUNED_RUNNER_PROCESS_SUPERVISOR_H_
#define RUNE_RUNED_RUNNER_PROCESS_SUPERVISOR_H_

namespace rune::daemon::runner::process {

// Runs the supervisor mode; returns the process exit code.
int SuperviseMain(int argc, char** argv);

}  // namespace rune::daemon::runner::process

#endif  // RUNE_RUNED_RUNNER_PROCESS_SUPERVISOR_H_
