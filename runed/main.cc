#include <cstring>

#include "runed/daemon.h"
#include "runed/runner/process/instance_files.h"
#include "runed/runner/process/supervisor.h"

int main(int argc, char** argv) {
  // The per-instance supervisor mode must not start anything of the daemon.
  if (argc > 1 && std::strcmp(argv[1], rune::daemon::runner::process::kSuperviseArg) == 0) {
    return rune::daemon::runner::process::SuperviseMain(argc, argv);
  }
  return rune::daemon::Main(argc, argv);
}
