#include "harness/cli.h"
int main(int argc, char** argv) { return dclm::harness::main_entry(argc, argv); }
