// The Python module `mno._C` (docs/python.md): mno's models, runs and data as Python objects.
// The scan's operators are registered by scan_ops.cpp (TORCH_LIBRARY) when this library loads.
// Tensors cross as torch tensors sharing storage: a model's parameters are the very tensors the
// C++ model computes with, so `torch.optim` trains them.
#include <chrono>
#include <filesystem>

#include <torch/cuda.h>
#include <torch/extension.h>

#include "mno/core/config.h"
#include "mno/core/crash_report.h"
#include "mno/core/error.h"
#include "mno/core/threads.h"
#include "mno/data/gen/generate.h"
#include "mno/data/pdebench_reader.h"
#include "mno/data/task.h"
#include "mno/models/neural_operator.h"
#include "mno/ops/selective_scan/cuda.h"
#include "mno/ops/selective_scan/selective_scan.h"
#include "mno/workflows/predict.h"
#include "mno/run/saved_run.h"
#include "mno/train/training_length.h"

namespace py = pybind11;

namespace mno::python {
namespace {

// A built model: mno's NeuralOperator, called as the CLI's data pipeline calls it.
struct Model {
  models::NeuralOperator module;

  torch::Tensor call(const torch::Tensor& features, const torch::Tensor& positions, py::object grid) const {
    nn::TokenGrid g;
    if (!grid.is_none()) {
      const auto hw = grid.cast<std::pair<int64_t, int64_t>>();
      g = {hw.first, hw.second};
    }
    return module->forward(features, positions, g);
  }
  std::vector<torch::Tensor> parameters() const { return module->parameters(); }
  py::dict named_parameters() const {
    py::dict d;
    for (const auto& p : module->named_parameters()) d[py::str(p.key())] = p.value();
    return d;
  }
  py::dict named_buffers() const {
    py::dict d;
    for (const auto& b : module->named_buffers()) d[py::str(b.key())] = b.value();
    return d;
  }
};

Model model_from_config(const std::string& path, const std::vector<std::string>& overrides) {
  Config config = Config::load_file(path);
  train::apply_run_overrides(config, overrides);
  return {models::make_model(config.root().child("model"))};
}

// A saved run: its model with a checkpoint's weights, and its data pipeline (positions,
// normalisers) for the grid of its data file.
struct Run {
  std::string dir, checkpoint;
  std::shared_ptr<run::SavedRun> saved;

  Model model() const { return {saved->model}; }
  const data::TaskData& data() const { return *saved->data; }
};

Run load_run(const std::string& dir, const std::string& checkpoint, const std::string& data_file,
             const std::string& device) {
  auto saved = std::make_shared<run::SavedRun>(
      run::load_saved_run(dir, checkpoint, data_file, device, 0, data::DataUse::inputs_only));
  saved->model->eval();
  return {dir, checkpoint, std::move(saved)};
}

// A PDEBench file's arrays, named as PDEBench names them: Darcy "nu" [n, X, Y] and "tensor"
// [n, 1, X, Y] (when the file has its solutions); time-dependent "data" [n, T, X, Y, C] and
// "t-coordinate"; every file "x-coordinate", "y-coordinate".
py::dict read_pdebench(const std::string& path, size_t first, size_t samples, size_t stride) {
  const data::PdebenchReader reader(path);
  const auto& info = reader.info();
  check(first <= info.samples, "mno.read_pdebench: first sample {} but {} holds {} samples", first, path,
        info.samples);
  data::Selection s;
  s.first_sample = first;
  s.samples = samples == 0 ? info.samples - first : samples;
  s.stride = stride;
  py::dict d;
  d["pde"] = data::pde_name(info.pde);
  d["x-coordinate"] = data::from_array(reader.x(stride));
  d["y-coordinate"] = data::from_array(reader.y(stride));
  if (!data::pde_spec(info.pde).time_dependent()) {
    d["nu"] = data::from_array(reader.read_darcy_coefficient(s));
    if (reader.has_darcy_solution()) d["tensor"] = data::from_array(reader.read_darcy(s).solution).unsqueeze(1);
    if (info.beta) d["beta"] = *info.beta;
  } else {
    d["data"] = data::from_array(reader.read_frames(s));
    d["t-coordinate"] = data::from_array(reader.t());
  }
  return d;
}

void generate(const std::string& pde, const std::string& out, size_t samples, size_t resolution, uint64_t seed,
              int threads, bool overwrite, bool progress) {
  data::gen::GenerateOptions o;
  o.samples = samples, o.out = out, o.seed = seed, o.threads = threads, o.overwrite = overwrite,
  o.progress = progress;
  if (pde == "darcy") {
    data::gen::DarcyParams p;
    p.resolution = resolution;
    data::gen::generate_darcy(o, p);
  } else if (pde == "swe" || pde == "shallow_water") {
    data::gen::DamBreakParams p;
    p.resolution = resolution;
    data::gen::generate_shallow_water(o, p);
  } else if (pde == "diffreact" || pde == "diffusion_reaction") {
    data::gen::DiffusionReactionParams p;
    p.resolution = resolution;
    data::gen::generate_diffusion_reaction(o, p);
  } else {
    throw Error(fmt::format("mno.generate: unknown PDE '{}' (expected darcy, swe or diffreact)", pde));
  }
}

// Milliseconds of each of `repeats` calls of the C++ scan on these inputs, timed in C++ (after
// `warmups` untimed calls): what tools/python/scan_overhead.py sets the Python op against.
// backward: each call also runs the backward of y.sum() (the gradients then discarded).
std::vector<double> time_scan(const torch::Tensor& u, const torch::Tensor& delta, const torch::Tensor& A,
                              const torch::Tensor& B, const torch::Tensor& C, const torch::Tensor& D,
                              const torch::Tensor& delta_bias, bool delta_softplus, bool backward, int warmups,
                              int repeats) {
  py::gil_scoped_release release;
  ops::ScanOptions options;
  options.delta_softplus = delta_softplus;
  std::vector<torch::Tensor> leaves{u, delta, A, B, C, D, delta_bias};
  for (auto& t : leaves) t = t.detach().requires_grad_(backward);
  auto call = [&] {
    torch::AutoGradMode grad(backward);
    auto y = ops::selective_scan(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4], leaves[5], leaves[6], {},
                                 options).y;
    if (backward) y.sum().backward();
    if (u.is_cuda()) torch::cuda::synchronize();  // the kernels' time, not their launch
  };
  for (int i = 0; i < warmups; ++i) call();
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    call();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return ms;
}

}  // namespace

PYBIND11_MODULE(_C, m) {
  m.doc() = "mno's C++ library: models, runs and data (the scan's ops are torch.ops.mno.*)";
  py::register_exception<Error>(m, "Error", PyExc_ValueError);

  py::class_<Model>(m, "Model")
      .def_static("from_config", &model_from_config, py::arg("path"), py::arg("overrides") = std::vector<std::string>{})
      .def("__call__", &Model::call, py::arg("features"), py::arg("positions"), py::arg("grid") = py::none())
      .def("parameters", &Model::parameters)
      .def("named_parameters", &Model::named_parameters)
      .def("named_buffers", &Model::named_buffers)
      .def("train", [](Model& self, bool on) { self.module->train(on); }, py::arg("mode") = true)
      .def("eval", [](Model& self) { self.module->eval(); })
      .def_property_readonly("training", [](const Model& self) { return self.module->is_training(); })
      .def("to", [](Model& self, const std::string& device) { self.module->to(torch::Device(device)); })
      .def("double", [](Model& self) { self.module->to(torch::kDouble); })
      .def("float", [](Model& self) { self.module->to(torch::kFloat); })
      .def_property_readonly("name", [](const Model& self) { return self.module->name(); })
      .def_property_readonly("in_channels", [](const Model& self) { return self.module->in_channels(); })
      .def_property_readonly("out_channels", [](const Model& self) { return self.module->out_channels(); })
      .def("summary", [](const Model& self) { return models::describe_model(*self.module); });

  py::class_<Run>(m, "Run")
      .def_property_readonly("model", &Run::model)
      .def_property_readonly("dir", [](const Run& r) { return r.dir; })
      .def_property_readonly("grid",
                             [](const Run& r) { return std::make_pair(r.data().grid().height, r.data().grid().width); })
      .def_property_readonly("data_file", [](const Run& r) { return r.data().file(); })
      .def("positions", [](const Run& r, int64_t batch) { return r.data().positions(batch); }, py::arg("batch"))
      .def("features", [](const Run& r, const torch::Tensor& x) { return r.data().features(x); }, py::arg("x"),
           "loader inputs [B, H, W, Cin] (physical) -> model features [B, L, Cin] (normalised as the run's)")
      .def("decode", [](const Run& r, const torch::Tensor& out) { return r.data().decode_output(out); },
           py::arg("outputs"), "model outputs [B, L, Cout] -> physical [B, H, W, Cout]")
      .def(
          "predict_file",
          [](const Run& r, const std::string& input, const std::string& out, bool overwrite, bool progress) {
            py::gil_scoped_release release;
            workflows::predict_file(r.dir, input, out, r.checkpoint, progress, overwrite);
          },
          py::arg("input"), py::arg("out"), py::arg("overwrite") = false, py::arg("progress") = false);

  m.def(
      "set_threads",
      [](int threads, int blas_threads) {
        const int intra = set_threads(threads);
        return std::make_pair(intra, set_blas_threads(blas_threads));
      },
      py::arg("threads") = 0, py::arg("blas_threads") = 0,
      "The CLI's --threads and --blas-threads: LibTorch's intra-op threads (0 = all cores) and OpenBLAS's "
      "(0 = 1 when threads <= 2, else the same). Returns both counts in effect (-1: the BLAS is not OpenBLAS).");
  m.def("cuda_built", &ops::scan_cuda_path::built, "whether this build has mno's CUDA kernels");
  m.def("_time_scan", &time_scan, "tools/python/scan_overhead.py: the C++ call's own times (ms)");
  m.def("_install_crash_report", [] { install_crash_report("python (mno)"); },
        "a crash prints the native call stack (import mno with MNO_CRASH_REPORT=1 set)");
  m.def("load_run", &load_run, py::arg("dir"), py::arg("checkpoint") = "", py::arg("data_file") = "",
        py::arg("device") = "cpu");
  m.def("read_pdebench", &read_pdebench, py::arg("path"), py::arg("first") = 0, py::arg("samples") = 0,
        py::arg("stride") = 1);
  m.def(
      "generate_file",
      [](const std::string& pde, const std::string& out, size_t samples, size_t resolution, uint64_t seed, int threads,
         bool overwrite, bool progress) {
        py::gil_scoped_release release;
        generate(pde, out, samples, resolution, seed, threads, overwrite, progress);
      },
      py::arg("pde"), py::arg("out"), py::arg("samples"), py::arg("resolution") = 128, py::arg("seed") = 0,
      py::arg("threads") = 0, py::arg("overwrite") = false, py::arg("progress") = false);
}

}  // namespace mno::python
