// shift-fuzz: the fuzzer's driver, or, built without it, a replayer of inputs.
//
// Built with `-sanitize=fuzzer,address -DFUZZING` (Fuzz/run.sh), it hands every input libFuzzer
// generates to the target named by `SHIFT_FUZZ_TARGET`; libFuzzer's own options follow on the
// command line. Built normally, `shift-fuzz TARGET FILE…` runs the target on each file (to
// replay a crash under a debugger).
import Foundation
import FuzzTargets

#if FUZZING
import CFuzzer

/// The target of this run (a global: a C callback captures nothing).
let target = FuzzTarget.fromEnvironment
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(
  LLVMFuzzerRunDriver(&argc, &argv) { data, size in
    target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
  })
#else
let arguments = CommandLine.arguments.dropFirst()
guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
  print("usage: shift-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) FILE…")
  exit(1)
}
for file in arguments.dropFirst() {
  target.run([UInt8](try Data(contentsOf: URL(fileURLWithPath: file))))
  print("\(file): ok")
}
#endif
