#include "rune/cli.h"

int main(int argc, char** argv) { return rune::cli::Main(argc, argv); }
