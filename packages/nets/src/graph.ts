/** Graph validation, ordering and lookups shared by the analysis, the executor and the importers. */
import type { Graph, GraphNode, InputNode, NodeOp } from './graph.types';
import { NODE_OPS } from './graph.types';

/** Error for a malformed graph or a bad node reference; the message names the node. */
export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

const ARITY: Partial<Record<NodeOp, [number, number]>> = {
  input: [0, 0],
  concat: [1, Infinity],
  add: [2, Infinity],
};

/** Nodes in dependency order (inputs before consumers); throws on cycles, unknown inputs and duplicate ids. */
export function topoSort(graph: Graph): GraphNode[] {
  const byId = nodeMap(graph);
  const order: GraphNode[] = [];
  const state = new Map<string, 1 | 2>();
  // Iterative DFS so that deep graphs cannot overflow the stack.
  for (const root of graph.nodes) {
    if (state.get(root.id) === 2) continue;
    const stack: Array<[GraphNode, number]> = [[root, 0]];
    state.set(root.id, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (i < node.inputs.length) {
        top[1] = i + 1;
        const dep = byId.get(node.inputs[i]);
        if (!dep) throw new GraphError(`node '${node.id}' reads unknown node '${node.inputs[i]}'`);
        const s = state.get(dep.id);
        if (s === 1) throw new GraphError(`graph has a cycle through node '${dep.id}'`);
        if (s === undefined) {
          state.set(dep.id, 1);
          stack.push([dep, 0]);
        }
      } else {
        stack.pop();
        state.set(node.id, 2);
        order.push(node);
      }
    }
  }
  return order;
}

/** Map from node id to node; throws on duplicate ids. */
export function nodeMap(graph: Graph): Map<string, GraphNode> {
  const byId = new Map<string, GraphNode>();
  for (const n of graph.nodes) {
    if (byId.has(n.id)) throw new GraphError(`duplicate node id '${n.id}'`);
    byId.set(n.id, n);
  }
  return byId;
}

/** The single input node of a graph. */
export function inputNode(graph: Graph): InputNode {
  const inputs = graph.nodes.filter((n): n is InputNode => n.op === 'input');
  if (inputs.length !== 1) throw new GraphError(`a graph needs exactly one 'input' node, found ${inputs.length}`);
  return inputs[0];
}

/** Looks a node up by id, with an error that lists a few ids when it is missing. */
export function getNode(graph: Graph, id: string): GraphNode {
  const n = graph.nodes.find((m) => m.id === id);
  if (!n) {
    const some = graph.nodes.slice(0, 8).map((m) => m.id).join(', ');
    throw new GraphError(`no node '${id}' in the graph (nodes include: ${some}${graph.nodes.length > 8 ? ', …' : ''})`);
  }
  return n;
}

/** Ids of the nodes that read each node. */
export function consumers(graph: Graph): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of graph.nodes) out.set(n.id, []);
  for (const n of graph.nodes) for (const i of n.inputs) out.get(i)?.push(n.id);
  return out;
}

/** Checks structure (ops, arity, references, output) and throws a {@link GraphError} naming the first problem. */
export function validateGraph(graph: Graph): void {
  if (!graph || graph.format !== 'convlab-graph' || graph.version !== 1) {
    throw new GraphError(`not a convlab graph (expected format 'convlab-graph', version 1)`);
  }
  for (const n of graph.nodes) {
    if (!NODE_OPS.includes(n.op)) {
      throw new GraphError(`node '${n.id}' has unsupported op '${String(n.op)}'; supported: ${NODE_OPS.join(', ')}`);
    }
    const [lo, hi] = ARITY[n.op] ?? [1, 1];
    if (n.inputs.length < lo || n.inputs.length > hi) {
      throw new GraphError(`node '${n.id}' (${n.op}) has ${n.inputs.length} inputs, expected ${lo === hi ? lo : `${lo}..${hi}`}`);
    }
  }
  inputNode(graph);
  getNode(graph, graph.output);
  topoSort(graph);
}

const SHAPE_OPS: ReadonlySet<NodeOp> = new Set<NodeOp>(['reshape', 'flatten', 'dropout']);

/**
 * Where the pre-softmax scores are: if the output is a softmax followed only by reshape/flatten/dropout, the softmax's
 * input (`softmaxApplied: true`); otherwise the output node itself.
 */
export function findLogitsNode(graph: Graph): { node: string; softmaxApplied: boolean; softmaxNode?: string } {
  const byId = nodeMap(graph);
  let cur = byId.get(graph.output);
  while (cur && SHAPE_OPS.has(cur.op)) cur = byId.get(cur.inputs[0]);
  if (cur && cur.op === 'softmax') return { node: cur.inputs[0], softmaxApplied: true, softmaxNode: cur.id };
  return { node: graph.output, softmaxApplied: false };
}

/** The nodes needed to compute `targets` (their ancestors, themselves included), in dependency order. */
export function ancestorsInOrder(order: GraphNode[], targets: Iterable<string>): GraphNode[] {
  const byId = new Map(order.map((n) => [n.id, n] as const));
  const needed = new Set<string>();
  const stack = [...targets];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    const n = byId.get(id);
    if (!n) throw new GraphError(`no node '${id}' in the graph`);
    needed.add(id);
    stack.push(...n.inputs);
  }
  return order.filter((n) => needed.has(n.id));
}
