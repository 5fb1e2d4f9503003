// Data-parallel pieces in one process (train/distributed.h, data/loader.h): the sharding rule,
// each rank's loader, the environment's checks, and the bucketed gradient all-reduce over a real
// Gloo group whose ranks are threads here. tests/cli/test_cli_distributed.cpp runs whole jobs.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "data/data_test_support.h"
#include "mno/data/loader.h"
#include "mno/data/pdebench_reader.h"
#include "mno/train/distributed.h"
#include "support/testing.h"
#include "train/train_test_support.h"

namespace mno::train {
namespace {

using mno::testing::expect_error;

TEST(Distributed, ShardsCoverEveryBatchExactlyOnceInOrder) {
  for (int world = 1; world <= 4; ++world) {
    for (size_t batch = 0; batch <= 9; ++batch) {
      size_t next = 0;
      for (int r = 0; r < world; ++r) {
        const data::SampleRange s = data::shard_of_batch(batch, r, world);
        EXPECT_EQ(s.begin, next) << "world " << world << " batch " << batch << " rank " << r;
        EXPECT_LE(s.size(), batch / world + 1);
        EXPECT_GE(s.size(), batch / world);
        next = s.end;
      }
      EXPECT_EQ(next, batch) << "world " << world << " batch " << batch;
    }
  }
  expect_error([] { data::shard_of_batch(4, 2, 2); }, {"rank 2 is not in [0, 2)"});
}

// Every rank's loader over one epoch, put back together in rank order, is the single-process
// epoch — for world sizes that do not divide the batch or the data (10 samples, batch 4: the
// last batch has 2, so with 3 ranks one rank's share of it is empty).
TEST(Distributed, RankLoadersTogetherReadTheSingleProcessEpoch) {
  data::testing::TempDir dir;
  const std::string file = testing::make_darcy(dir.path(), 10, 8);
  const data::TaskSpec task{};
  for (const bool drop_last : {false, true}) {
    data::LoaderOptions single;
    single.batch_size = 4;
    single.shuffle = true;
    single.seed = 7;
    single.drop_last = drop_last;
    data::BatchLoader whole(file, {0, 10}, task, single);
    whole.start_epoch(3);
    std::vector<torch::Tensor> expected;
    while (auto b = whole.next()) expected.push_back(b->x);
    for (int world = 1; world <= 4; ++world) {
      std::vector<std::vector<torch::Tensor>> parts(expected.size());
      for (int r = 0; r < world; ++r) {
        data::LoaderOptions o = single;
        o.rank = r;
        o.world_size = world;
        data::BatchLoader loader(file, {0, 10}, task, o);
        EXPECT_EQ(loader.batches_per_epoch(), expected.size());
        loader.start_epoch(3);
        size_t k = 0;
        while (auto b = loader.next()) {
          ASSERT_LT(k, expected.size());
          if (b->x.defined()) parts[k].push_back(b->x);
          ++k;
        }
        EXPECT_EQ(k, expected.size()) << "every rank takes the same number of steps";
      }
      for (size_t k = 0; k < expected.size(); ++k)
        EXPECT_TRUE(torch::equal(torch::cat(parts[k]), expected[k])) << "world " << world << " batch " << k;
    }
  }
}

class ScopedEnv {
 public:
  explicit ScopedEnv(std::vector<std::pair<std::string, std::string>> vars) {
    for (const char* n : {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "OMPI_COMM_WORLD_SIZE",
                          "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_LOCAL_RANK"}) {
      if (const char* v = std::getenv(n)) saved_.emplace_back(n, v);
      ::unsetenv(n);
      names_.push_back(n);
    }
    for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& n : names_) ::unsetenv(n.c_str());
    for (const auto& [k, v] : saved_) ::setenv(k.c_str(), v.c_str(), 1);
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST(Distributed, EnvironmentIsReadAndCheckedWithClearErrors) {
  {
    ScopedEnv env({});
    EXPECT_FALSE(distributed_env_from_environment().active());
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "3"}, {"RANK", "2"}, {"LOCAL_RANK", "1"}, {"MASTER_PORT", "29511"}});
    const DistributedEnv e = distributed_env_from_environment();
    EXPECT_TRUE(e.active());
    EXPECT_EQ(e.rank, 2);
    EXPECT_EQ(e.local_rank, 1);
    EXPECT_EQ(e.master_addr, "127.0.0.1");
    EXPECT_EQ(e.master_port, 29511);
  }
  {
    ScopedEnv env({{"OMPI_COMM_WORLD_SIZE", "2"}, {"OMPI_COMM_WORLD_RANK", "1"}, {"MASTER_PORT", "1234"}});
    EXPECT_EQ(distributed_env_from_environment().rank, 1);  // mpirun's names work too
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_PORT", "1"}});
    expect_error([] { distributed_env_from_environment(); }, {"RANK='2'", "a rank from 0 to 1"});
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "2"}, {"RANK", "0"}});
    expect_error([] { distributed_env_from_environment(); }, {"MASTER_PORT is not set"});
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}});
    expect_error([] { distributed_env_from_environment(); }, {"RANK is not set"});
  }
  {
    ScopedEnv env({{"WORLD_SIZE", "two"}, {"RANK", "0"}});
    expect_error([] { distributed_env_from_environment(); }, {"WORLD_SIZE='two'", "the number of processes"});
  }
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// Runs fn(rank, collectives) on `world` threads joined in one Gloo group.
void with_gloo_ranks(int world, const std::function<void(int, const std::shared_ptr<Collectives>&)>& fn) {
  const int port = free_port();
  std::vector<std::thread> threads;
  std::vector<std::string> failures(static_cast<size_t>(world));
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        DistributedEnv env;
        env.rank = r;
        env.world_size = world;
        env.local_rank = r;
        env.master_addr = "127.0.0.1";
        env.master_port = port;
        fn(r, Collectives::connect(env, "gloo", torch::Device(torch::kCPU), std::chrono::seconds(20)));
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < world; ++r) EXPECT_EQ(failures[static_cast<size_t>(r)], "") << "rank " << r;
}

torch::nn::Sequential small_model() {
  torch::manual_seed(11);
  return torch::nn::Sequential(torch::nn::Linear(5, 7), torch::nn::Tanh(), torch::nn::Linear(7, 3));
}

// The weighted sum over ranks of each rank's mean-loss gradient is the gradient of the mean over
// the whole batch: the single-process step. Checked with several buckets (small bucket_bytes, so
// all-reduces start from the hooks during backward), an uneven split, and a rank with no samples.
TEST(Distributed, BucketedAllReduceGivesTheSingleProcessGradient) {
  if (available_backends().empty() || available_backends().front() != "gloo") GTEST_SKIP() << "no Gloo in this build";
  for (const auto& [world, batch] : std::vector<std::pair<int, int64_t>>{{2, 6}, {3, 5}, {3, 2}}) {
    torch::manual_seed(3);
    const torch::Tensor x = torch::randn({batch, 5}), y = torch::randn({batch, 3});
    auto reference = small_model();
    torch::nn::functional::mse_loss(reference->forward(x), y).backward();

    std::vector<std::vector<torch::Tensor>> grads(static_cast<size_t>(world));
    std::vector<double> losses(static_cast<size_t>(world));
    std::vector<torch::nn::Sequential> models;
    for (int r = 0; r < world; ++r) models.push_back(small_model());
    with_gloo_ranks(world, [&](int r, const std::shared_ptr<Collectives>& c) {
      auto& model = models[static_cast<size_t>(r)];
      GradientReducer reducer(model->parameters(), c, /*bucket_bytes=*/64);
      const data::SampleRange s = data::shard_of_batch(static_cast<size_t>(batch), r, world);
      const double weight = static_cast<double>(s.size()) / static_cast<double>(batch);
      reducer.begin_step(weight);
      double loss = 0.0;
      if (s.size() > 0) {
        const auto part = torch::indexing::Slice(static_cast<int64_t>(s.begin), static_cast<int64_t>(s.end));
        const torch::Tensor l = torch::nn::functional::mse_loss(model->forward(x.index({part})), y.index({part}));
        loss = l.item<double>();
        l.backward();
      }
      reducer.finish_step("a test step");
      losses[static_cast<size_t>(r)] = c->sum_scalars({loss * weight}, "a test loss")[0];
      for (const auto& p : model->parameters()) grads[static_cast<size_t>(r)].push_back(p.grad().clone());
    });
    const double expected_loss = torch::nn::functional::mse_loss(reference->forward(x), y).item<double>();
    for (int r = 0; r < world; ++r) {
      EXPECT_NEAR(losses[static_cast<size_t>(r)], expected_loss, 1e-6 * std::abs(expected_loss));
      const auto ref = reference->parameters();
      ASSERT_EQ(grads[static_cast<size_t>(r)].size(), ref.size());
      for (size_t k = 0; k < ref.size(); ++k)
        EXPECT_TRUE(torch::allclose(grads[static_cast<size_t>(r)][k], ref[k].grad(), 1e-5, 1e-7))
            << "world " << world << " batch " << batch << " rank " << r << " parameter " << k;
    }
  }
}

TEST(Distributed, AFailureOnOneRankStopsEveryRankWithItsMessage) {
  if (available_backends().empty() || available_backends().front() != "gloo") GTEST_SKIP() << "no Gloo in this build";
  std::vector<std::string> messages(2);
  with_gloo_ranks(2, [&](int r, const std::shared_ptr<Collectives>& c) {
    try {
      c->agree_or_throw(r != 0, "the data file is missing", "setting up");
    } catch (const Error& e) {
      messages[static_cast<size_t>(r)] = e.what();
    }
  });
  EXPECT_EQ(messages[0], "the data file is missing");
  EXPECT_NE(messages[1].find("rank 1 of 2 (gloo): stopping because rank 0 failed during setting up: the data file is missing"),
            std::string::npos) << messages[1];
}

TEST(Distributed, BadBackendsAreRefusedBeforeAnyConnection) {
  DistributedEnv env;
  env.world_size = 2;
  env.master_port = 1;
  expect_error([&] { Collectives::connect(env, "mpi", torch::Device(torch::kCPU), std::chrono::seconds(1)); },
               {"train.backend: expected auto, gloo or nccl, found 'mpi'"});
  if (torch::cuda::is_available()) return;
  expect_error([&] { Collectives::connect(env, "nccl", torch::Device(torch::kCPU), std::chrono::seconds(1)); },
               {"train.backend nccl: this build of mno has no nccl process group"});
}

TEST(Distributed, ALostRendezvousFailsWithinItsTimeout) {
  if (available_backends().empty() || available_backends().front() != "gloo") GTEST_SKIP() << "no Gloo in this build";
  DistributedEnv env;
  env.rank = 1;
  env.world_size = 2;
  env.master_addr = "127.0.0.1";
  env.master_port = free_port();  // nobody listens there
  const auto start = std::chrono::steady_clock::now();
  expect_error([&] { Collectives::connect(env, "gloo", torch::Device(torch::kCPU), std::chrono::seconds(2)); },
               {"rank 1 of 2: the rendezvous at 127.0.0.1:", "did not complete within 2 s"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

}  // namespace
}  // namespace mno::train
