#include "runed/daemon.h"

int main(int argc, char** argv) { return rune::daemon::Main(argc, argv); }
