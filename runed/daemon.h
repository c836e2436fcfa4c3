// runed's entry point: flags, runefile, listeners, signals (SPEC §5.1, §5.3).
//
//   int main(int argc, char** argv) { return rune::daemon::Main(argc, argv); }
#ifndef RUNE_RUNED_DAEMON_H_
#define RUNE_RUNED_DAEMON_H_

namespace rune::daemon {

// Runs runed; returns 0 after a clean shutdown, 1 on a fatal error, 2 on a
// usage error.
int Main(int argc, char** argv);

}  // namespace rune::daemon

#endif  // RUNE_RUNED_DAEMON_H_
