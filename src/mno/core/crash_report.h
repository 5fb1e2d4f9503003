#pragma once
// A crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints the signal and the native call stack
// to stderr before the process dies as it would have, so a crash seen only on another machine
// (the GPU machine has no debugger) still says where it happened.
namespace mno {

// Installs the handlers once; `program` names the process in the report.
void install_crash_report(const char* program);

}  // namespace mno
