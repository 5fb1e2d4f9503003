#include "mno/data/gen/darcy.h"

#include <cmath>
#include <numeric>

#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include "mno/core/error.h"
#include "mno/data/gen/sample_random.h"

namespace mno::data::gen {

std::vector<double> darcy_cell_centres(size_t resolution) {
  std::vector<double> c(resolution);
  for (size_t i = 0; i < resolution; ++i) c[i] = (static_cast<double>(i) + 0.5) / static_cast<double>(resolution);
  return c;
}

std::vector<double> darcy_coefficient(const DarcyParams& p, uint64_t seed, uint64_t sample) {
  const size_t R = p.resolution;
  SampleRandom random(seed, sample);
  // PDEBench draws all x centres, then all y centres, then all widths.
  std::vector<double> mx(p.bumps), my(p.bumps), width(p.bumps);
  for (auto& v : mx) v = random.uniform();
  for (auto& v : my) v = random.uniform();
  for (auto& v : width) v = 0.5 * random.uniform();
  const std::vector<double> c = darcy_cell_centres(R);
  std::vector<double> field(R * R, 0.0);
  for (size_t i = 0; i < R; ++i)
    for (size_t j = 0; j < R; ++j) {
      double f = 0.0;
      for (int b = 0; b < p.bumps; ++b) {
        const double dx = c[i] - mx[b], dy = c[j] - my[b];
        f += std::exp(-(dx * dx + dy * dy) / width[b]);
      }
      field[i * R + j] = f;
    }
  // PDEBench thresholds at the mean over its whole batch of samples; we use this sample's mean
  // so that a sample does not depend on which others were generated with it (docs/data.md).
  const double mean = std::accumulate(field.begin(), field.end(), 0.0) / static_cast<double>(field.size());
  for (double& f : field) f = f > mean ? p.high : p.low;
  return field;
}

std::vector<double> solve_darcy(const std::vector<double>& a, size_t R, double beta, DarcyBoundary boundary) {
  check(R >= 2 && a.size() == R * R, "Darcy solve: expected a coefficient of {}x{} values, found {}", R, R, a.size());
  const double inv_h2 = static_cast<double>(R) * static_cast<double>(R);
  // A boundary face couples the cell to a ghost value: 0 (ghost_zero: flux a·u/h) or −u
  // (face_zero: flux a·2u/h). The face coefficient there is the cell's own a (PDEBench mirrors
  // a into the ghost cells).
  const double boundary_factor = boundary == DarcyBoundary::face_zero ? 2.0 : 1.0;
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(5 * R * R);
  auto index = [R](size_t i, size_t j) { return static_cast<int>(i * R + j); };
  for (size_t i = 0; i < R; ++i)
    for (size_t j = 0; j < R; ++j) {
      const double here = a[i * R + j];
      double diagonal = 0.0;
      auto face = [&](bool inside, size_t ni, size_t nj) {
        if (inside) {
          const double c = 0.5 * (here + a[ni * R + nj]) * inv_h2;
          diagonal += c;
          entries.emplace_back(index(i, j), index(ni, nj), -c);
        } else {
          diagonal += boundary_factor * here * inv_h2;
        }
      };
      face(i > 0, i - 1, j);
      face(i + 1 < R, i + 1, j);
      face(j > 0, i, j - 1);
      face(j + 1 < R, i, j + 1);
      entries.emplace_back(index(i, j), index(i, j), diagonal);
    }
  Eigen::SparseMatrix<double> matrix(static_cast<int>(R * R), static_cast<int>(R * R));
  matrix.setFromTriplets(entries.begin(), entries.end());
  // Symmetric positive definite (a > 0, Dirichlet boundary): Cholesky with AMD ordering.
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> solver(matrix);
  check(solver.info() == Eigen::Success, "Darcy solve: factorisation failed (is a positive everywhere?)");
  const Eigen::VectorXd rhs = Eigen::VectorXd::Constant(static_cast<int>(R * R), beta);
  const Eigen::VectorXd u = solver.solve(rhs);
  return std::vector<double>(u.data(), u.data() + u.size());
}

}  // namespace mno::data::gen
