import ArgumentParser
import CourierTooling
@testable import loadtest
import Testing

@Suite("loadtest refuses what it cannot measure and says why it failed")
struct LoadTestValidationTests {
    @Test("the verdict names every reason; failed probes fail the run even when the p99 looks good")
    func verdictNamesItsReasons() {
        let failing = ScenarioSummary.verdict(measured: 99, probes: 99, timedOut: 16, timeout: .seconds(5), p99Ms: 6.6, budgetMs: 1000)
        #expect(!failing.passed)
        #expect(failing.text == "FAIL: 16 of 99 probes failed (not reflected within 5.0 seconds)", "\(failing.text)")
        let slow = ScenarioSummary.verdict(measured: 99, probes: 99, timedOut: 2, timeout: .seconds(5), p99Ms: 5000, budgetMs: 1000)
        #expect(slow.text == "FAIL: 2 of 99 probes failed (not reflected within 5.0 seconds); freshness p99 5000.000 ms > 1000 ms", "\(slow.text)")
        #expect(ScenarioSummary.verdict(measured: 0, probes: 0, timedOut: 0, timeout: .seconds(5), p99Ms: 0, budgetMs: 1000).text == "FAIL: no probe was measured")
        let good = ScenarioSummary.verdict(measured: 99, probes: 99, timedOut: 0, timeout: .seconds(5), p99Ms: 3.5, budgetMs: 1000)
        #expect(good.passed && good.text == "PASS: freshness p99 3.500 ms <= 1000 ms")
    }

    @Test("zero, negative and infinite durations and rates are clear errors, not crashes",
          arguments: [["--duration", "0s"], ["--duration", "-1s"], ["--duration", "infs"], ["--rate", "0"], ["--rate", "-5"],
                      ["--probe-poll", "0s"], ["--deadline", "0"], ["--budget", "0ms"]])
    func scenarioRefuses(_ arguments: [String]) {
        #expect(throws: (any Error).self, "\(arguments)") { _ = try ScenarioCommand.parse(arguments) }
    }

    @Test("rpc: --duration 0s (it crashed with --json), --total 0 and negative rates are refused",
          arguments: [["--duration", "0s", "--json"], ["--total", "0"], ["--total", "10", "--rate", "-1"], ["--total", "10", "--warmup", "-1s"]])
    func rpcRefuses(_ arguments: [String]) {
        let base = ["--target", "127.0.0.1:1", "--method", "grpc.testing.BenchmarkService/UnaryCall"]
        #expect(throws: (any Error).self, "\(arguments)") { _ = try RPCCommand.parse(base + arguments) }
        #expect(throws: Never.self) { _ = try RPCCommand.parse(base + ["--total", "10"]) }
    }
}
