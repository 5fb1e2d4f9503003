"""A stand-in for the few DGL graph operations the authors' GNOT uses; dgl is not on the GPU
machine's image, and GNOT does no message passing (its graphs have no edges).

What the authors' code does with graphs (MambaGNOT/):
  - each loader (dataloader/dataset_*_pdebench_d3.py) builds one edgeless graph per sample:
        g = dgl.DGLGraph(); g.add_nodes(n); g.ndata['x'] = query coordinates [n, 2];
        g.ndata['y'] = targets
  - the collate (data_utils.py: collate_op, MIODataLoader.__iter__) batches them with dgl.batch;
  - GNOT / STGNOT / MambaGNOT.forward (models/mmgpt*.py) read only
        dgl.unbatch(g)          -> the per-sample graphs, of which only ndata['x'] is read
                                   (stacked by pad_sequence, which never pads when every sample has
                                   the same node count), and
        g.batch_num_nodes()     -> the node count of each sample (DGL returns an int64 tensor),
                                   to cut the [B, T, out] output back to [sum of counts, out];
  - the train scripts also read g.batch_size, g.num_nodes(), g.ndata['y'] and call g.to(device).

This module provides exactly those, with DGL's semantics for edgeless graphs: batch concatenates
each node feature along dim 0 in graph order (all graphs must carry the same feature names) and
records the node counts; unbatch splits the features back by those counts. Node features must
have one row per node, as DGL checks. Nothing else of DGL exists here, so any other use fails at
once (AttributeError) instead of computing something DGL would not.
"""
import torch

__version__ = "0.0-mno-parity-stand-in"


class _NodeData(dict):
    """g.ndata: name -> tensor with one row per node of the graph."""

    def __init__(self, graph):
        super().__init__()
        self._graph = graph

    def __setitem__(self, name, value):
        if not isinstance(value, torch.Tensor) or value.dim() == 0 or value.shape[0] != self._graph.num_nodes():
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise ValueError(f"dgl stand-in: ndata['{name}'] needs {self._graph.num_nodes()} rows (one per node), "
                             f"got {shape}")
        super().__setitem__(name, value)


class DGLGraph:
    """An edgeless graph, or a batch of them (dgl.batch)."""

    def __init__(self):
        self._batch_num_nodes = [0]
        self.ndata = _NodeData(self)

    def add_nodes(self, num):
        if len(self._batch_num_nodes) != 1:
            raise NotImplementedError("dgl stand-in: add_nodes on a batched graph")
        if len(self.ndata) != 0:
            raise NotImplementedError("dgl stand-in: add_nodes after node features were set")
        self._batch_num_nodes[0] += int(num)

    def num_nodes(self):
        return sum(self._batch_num_nodes)

    @property
    def batch_size(self):
        return len(self._batch_num_nodes)

    def batch_num_nodes(self):
        return torch.tensor(self._batch_num_nodes, dtype=torch.int64)

    def to(self, device):
        graph = DGLGraph()
        graph._batch_num_nodes = list(self._batch_num_nodes)
        for name, value in self.ndata.items():
            graph.ndata[name] = value.to(device)
        return graph


def batch(graphs):
    graphs = list(graphs)
    if not graphs:
        raise ValueError("dgl stand-in: batch of no graphs")
    names = list(graphs[0].ndata.keys())
    for g in graphs:
        if sorted(g.ndata.keys()) != sorted(names):
            raise ValueError("dgl stand-in: graphs in a batch must carry the same node features")
    batched = DGLGraph()
    batched._batch_num_nodes = [count for g in graphs for count in g._batch_num_nodes]
    for name in names:
        batched.ndata[name] = torch.cat([g.ndata[name] for g in graphs], dim=0)
    return batched


def unbatch(g):
    counts = list(g._batch_num_nodes)
    pieces = {name: torch.split(value, counts, dim=0) for name, value in g.ndata.items()}
    graphs = []
    for i, count in enumerate(counts):
        graph = DGLGraph()
        graph.add_nodes(count)
        for name in pieces:
            graph.ndata[name] = pieces[name][i]
        graphs.append(graph)
    return graphs
