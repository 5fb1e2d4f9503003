// GNOT (docs/models.md, `gnot`): trunk (query coordinates) and branch (input function) MLPs, blocks
// of cross mixer -> gated expert FFN -> self mixer -> gated expert FFN with post-MoE LayerNorms,
// and an output MLP. The MNO variant (MambaGNOT) is `mixer: {type: mamba}`: the cross mixer
// becomes Cross SS2D with the branch stream as context.
#include <cmath>
#include <string>
#include <utility>

#include "mno/core/error.h"
#include "mno/models/builtin_models.h"
#include "mno/models/host_mixer.h"
#include "mno/nn/attention/attention_common.h"

namespace mno::models {
namespace {

// GNOT's MLP(in, hid, out, n): Linear(in→hid), GELU; n residual layers h ← GELU(Linear(h)) + h;
// Linear(hid→out).
class ResidualMlpImpl : public torch::nn::Module {
 public:
  ResidualMlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t layers) {
    input = register_module("input", torch::nn::Linear(in, hidden));
    for (int64_t i = 0; i < layers; ++i) hidden_layers->push_back(torch::nn::Linear(hidden, hidden));
    register_module("hidden", hidden_layers);
    output = register_module("output", torch::nn::Linear(hidden, out));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::gelu(input->forward(x));
    for (const auto& layer : *hidden_layers) x = torch::gelu(layer->as<torch::nn::Linear>()->forward(x)) + x;
    return output->forward(x);
  }
  torch::nn::Linear input{nullptr}, output{nullptr};
  torch::nn::ModuleList hidden_layers;
};
TORCH_MODULE(ResidualMlp);

struct GnotOptions {
  int64_t width = 96, layers = 4, mlp_layers = 4, ffn_ratio = 2, experts = 1;
};

// Σ_m g_m · FFN_m(x): one FFN per expert, weighted by the block's gate g (below).
class ExpertsImpl : public torch::nn::Module {
 public:
  ExpertsImpl(int64_t width, int64_t hidden, int64_t experts) {
    for (int64_t m = 0; m < experts; ++m)
      experts_->push_back(torch::nn::Sequential(torch::nn::Linear(width, hidden), torch::nn::GELU(),
                                                torch::nn::Linear(hidden, width)));
    register_module("experts", experts_);
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& gate) {
    torch::Tensor sum;
    for (size_t m = 0; m < experts_->size(); ++m) {
      const auto term = gate.narrow(-1, m, 1) * experts_->at<torch::nn::SequentialImpl>(m).forward(x);
      sum = m == 0 ? term : sum + term;
    }
    return sum;
  }
  torch::nn::ModuleList experts_;
};
TORCH_MODULE(Experts);

class GnotBlockImpl : public torch::nn::Module {
 public:
  GnotBlockImpl(const ConfigNode& node, const MixerDefaults& defaults, const GnotOptions& o) {
    const int64_t hidden = o.ffn_ratio * o.width;
    for (int i = 0; i < 5; ++i) norms->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.width})));
    register_module("norms", norms);
    cross = register_module("cross_mixer", make_host_mixer(node, "mixer", defaults, o.width, nn::MixerRole::cross));
    // One gate network per block, shared by both expert FFNs: g = softmax(gatenet(pos)). With one
    // expert g ≡ 1 and the gate gets zero gradient, as in GNOT.
    gate = register_module("gate", torch::nn::Sequential(torch::nn::Linear(2, hidden), torch::nn::GELU(),
                                                         torch::nn::Linear(hidden, hidden), torch::nn::GELU(),
                                                         torch::nn::Linear(hidden, o.experts)));
    ffn1 = register_module("ffn1", Experts(o.width, hidden, o.experts));
    self = register_module("self_mixer", make_host_mixer(node, "mixer", defaults, o.width, nn::MixerRole::self));
    ffn2 = register_module("ffn2", Experts(o.width, hidden, o.experts));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& z, const torch::Tensor& pos, const TokenGrid& grid) {
    const auto norm = [&](int i, const torch::Tensor& t) { return norms->at<torch::nn::LayerNormImpl>(i).forward(t); };
    const auto g = torch::softmax(gate->forward(pos), -1);
    x = x + cross->forward(norm(0, x), norm(1, z), pos, grid);
    x = x + norm(2, ffn1->forward(x, g));
    x = x + self->forward(norm(3, x), {}, pos, grid);
    return x + norm(4, ffn2->forward(x, g));
  }
  torch::nn::ModuleList norms;
  nn::TokenMixer cross, self;
  torch::nn::Sequential gate{nullptr};
  Experts ffn1{nullptr}, ffn2{nullptr};
};
TORCH_MODULE(GnotBlock);

class GnotImpl : public NeuralOperatorImpl {
 public:
  GnotImpl(const ConfigNode& node, int64_t in, int64_t out, const GnotOptions& o)
      : NeuralOperatorImpl("gnot", in, out), options_(o) {
    trunk = register_module("trunk", ResidualMlp(3, o.width, o.width, o.mlp_layers));
    branch = register_module("branch", ResidualMlp(2 + in, o.width, o.width, o.mlp_layers));
    // GNOT's attentions: 8 heads (head size 12 at width 96), q/k/v with bias, output projection.
    const MixerDefaults defaults{{"linear", YAML::Load("{heads: 8}")}, {"softmax", YAML::Load("{heads: 8}")}};
    for (int64_t i = 0; i < o.layers; ++i) blocks->push_back(GnotBlock(node, defaults, o));
    register_module("blocks", blocks);
    head = register_module("head", ResidualMlp(o.width, o.width, out, o.mlp_layers));
  }

  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& pos, const TokenGrid& grid) override {
    const auto g = check_inputs(features, pos, grid);
    // Trunk: (coordinates, u_p = 0); branch: (coordinates, input function).
    auto x = trunk->forward(torch::cat({pos, torch::zeros_like(pos.narrow(-1, 0, 1))}, -1));
    const auto z = branch->forward(torch::cat({pos, features}, -1));
    for (const auto& block : *blocks) x = block->as<GnotBlockImpl>()->forward(x, z, pos, g);
    return head->forward(x);
  }

  std::string summary() const override {
    const auto& o = options_;
    const auto& first = blocks->at<GnotBlockImpl>(0);
    std::string s = fmt::format("gnot: GNOT, width {}, {} blocks, {} expert(s), FFN width {}, MLPs with {} residual layers\n",
                                o.width, o.layers, o.experts, o.ffn_ratio * o.width, o.mlp_layers);
    s += summary_line("trunk", fmt::format("MLP(3 → {})", o.width));
    s += summary_line("branch", fmt::format("MLP({} → {})", 2 + in_channels(), o.width));
    s += summary_line("cross mixer", first.cross->describe());
    s += summary_line("self mixer", first.self->describe());
    s += summary_line("head", fmt::format("MLP({} → {})", o.width, out_channels()));
    return s;
  }

  ResidualMlp trunk{nullptr}, branch{nullptr}, head{nullptr};
  torch::nn::ModuleList blocks;

 private:
  GnotOptions options_;
};

}  // namespace

NeuralOperator make_gnot(const ConfigNode& node) {
  GnotOptions o;
  const int64_t in = nn::positive_key(node, "in_channels", 1);
  const int64_t out = nn::positive_key(node, "out_channels", 1);
  o.width = nn::positive_key(node, "width", o.width);
  o.layers = nn::positive_key(node, "layers", o.layers);
  o.mlp_layers = node.get<int64_t>("mlp_layers", o.mlp_layers);
  if (o.mlp_layers < 0) throw mismatch_error(nn::key_where(node, "mlp_layers"), "0 or more", std::to_string(o.mlp_layers));
  o.ffn_ratio = nn::positive_key(node, "ffn_ratio", o.ffn_ratio);
  o.experts = nn::positive_key(node, "experts", o.experts);
  return std::make_shared<GnotImpl>(node, in, out, o);
}

}  // namespace mno::models
