// Every class of bad input to the selective scan, and the message it gets.
#include <gtest/gtest.h>

#include "mno/ops/selective_scan/selective_scan.h"
#include "ops/scan_inputs.h"
#include "support/testing.h"

namespace mno::testing {
namespace {

ScanInputs good() {
  ScanCase c;
  c.K = 2; c.G = 2; c.E = 4; c.L = 12; c.N = 8; c.z = true;
  return make_scan_inputs(c, torch::kFloat, 21);
}

void scan(const ScanInputs& in) {
  ops::selective_scan(in.u, in.delta, in.A, in.B, in.C, in.D, in.bias, in.z, in.options);
}

TEST(ScanRejects, WrongRankOfU) {
  auto in = good();
  in.u = in.u.flatten(0, 1);
  expect_error([&] { scan(in); }, {"tensor 'u'", "3 dimensions [batch, E, L]", "[8, 12]"});
}

TEST(ScanRejects, DeltaWithoutKTimesEChannels) {
  auto in = good();
  in.delta = in.delta.narrow(1, 0, 4);
  expect_error([&] { scan(in); }, {"tensor 'delta'", "[2, 8, 12]", "K = 2", "found [2, 4, 12]"});
}

TEST(ScanRejects, AWithWrongChannelCount) {
  auto in = good();
  in.A = in.A.narrow(0, 0, 3);
  expect_error([&] { scan(in); }, {"tensor 'A'", "C = 8", "[3, 8]"});
}

TEST(ScanRejects, ComplexOrIntegerA) {
  auto in = good();
  in.A = in.A.to(torch::kInt);
  expect_error([&] { scan(in); }, {"tensor 'A'", "float32 or float64", "Int"});
}

TEST(ScanRejects, GroupsThatDoNotDivideChannels) {
  auto in = good();
  in.B = torch::randn({2, 3, 8, 12});
  expect_error([&] { scan(in); }, {"tensor 'B'", "divides C = 8", "G = 3"});
}

TEST(ScanRejects, BWithMismatchedLength) {
  auto in = good();
  in.C = in.C.narrow(3, 0, 11);
  expect_error([&] { scan(in); }, {"tensor 'C'", "[2, 2, 8, 12]", "[2, 2, 8, 11]"});
}

TEST(ScanRejects, BWithWrongRank) {
  auto in = good();
  in.B = in.B.flatten(0, 1);
  expect_error([&] { scan(in); }, {"tensor 'B'", "[batch, G, N, L]", "3 dimensions"});
}

TEST(ScanRejects, DirectionsNotOneTwoOrFour) {
  auto in = good();
  in.options.directions = 3;
  expect_error([&] { scan(in); }, {"directions", "1, 2 or 4", "found 3"});
}

TEST(ScanRejects, FourDirectionsWithoutMatchingGrid) {
  auto in = good();
  in.delta = torch::randn({2, 16, 12});
  in.A = -torch::rand({16, 8});
  in.D = torch::ones({16});
  in.bias = torch::zeros({16});
  in.options.directions = 4;
  in.options.height = 5;
  in.options.width = 3;
  expect_error([&] { scan(in); }, {"directions = 4", "height·width = L = 12", "height 5 · width 3 = 15"});
}

TEST(ScanRejects, IntegerInput) {
  auto in = good();
  in.u = in.u.to(torch::kLong);
  expect_error([&] { scan(in); }, {"tensor 'u'", "floating dtype", "Long"});
}

TEST(ScanRejects, DOfWrongSize) {
  auto in = good();
  in.D = torch::ones({4});
  expect_error([&] { scan(in); }, {"tensor 'D'", "[8]", "found [4]"});
}

TEST(ScanRejects, GateOfWrongShape) {
  auto in = good();
  in.z = torch::randn({2, 8, 12});
  expect_error([&] { scan(in); }, {"tensor 'z'", "[2, 4, 12]", "[2, 8, 12]"});
}

TEST(ScanRejects, MixedDevices) {
  auto in = good();
  in.B = in.B.to(torch::Device("meta"));
  expect_error([&] { scan(in); }, {"tensor 'B'", "device cpu", "meta"});
}

TEST(ScanRejects, EmptySequence) {
  auto in = good();
  in.u = torch::randn({2, 4, 0});
  expect_error([&] { scan(in); }, {"tensor 'u'", "non-empty", "[2, 4, 0]"});
}

TEST(ScanRejects, TooLargeState) {
  auto in = good();
  in.A = -torch::rand({8, 300});
  expect_error([&] { scan(in); }, {"tensor 'A'", "N in 1..256", "[8, 300]"});
}

}  // namespace
}  // namespace mno::testing
