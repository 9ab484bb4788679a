"""Pictures of a Value graph (nothing to implement here).

    draw_dot(root, "graph", format="svg")   an SVG or PNG drawn by graphviz: one box per Value with
                                            its label, data and grad, one circle per operation
    print(text_tree(root))                  the same graph as text, when graphviz is not installed

draw_dot needs the graphviz Python package (pip install graphviz, or `make graph` installs it)
and the `dot` program (Debian/Ubuntu/WSL: sudo apt install graphviz; macOS: brew install graphviz;
Windows: winget install graphviz). Without them it prints the text tree and says what to install.
"""

from __future__ import annotations

import shutil

INSTALL_DOT = (
    "draw_dot needs the `dot` program of Graphviz. Install it with: sudo apt install graphviz (Debian, Ubuntu, "
    "WSL), brew install graphviz (macOS) or winget install graphviz (Windows), then run it again."
)
INSTALL_PACKAGE = "draw_dot needs the graphviz Python package: pip install graphviz (make graph installs it)."


def trace(root):
    """Every Value reachable from root, and the edges (input, output) between them."""
    nodes, edges, seen = [], [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        for child in node._prev:
            edges.append((child, node))
            stack.append(child)
    return nodes, edges


def _describe(node) -> str:
    name = f"{node.label} " if getattr(node, "label", "") else ""
    op = f"{node._op} " if node._op else ""
    return f"{name}{op}data={node.data:.4f} grad={node.grad:.4f}"


def text_tree(root) -> str:
    """The graph as an indented tree, output first; a Value met again is shown once, then referred to."""
    lines, shown, names = [], set(), {}
    stack = [(root, "", "", True)]
    while stack:
        node, indent, branch, last = stack.pop()
        key = id(node)
        if key not in names:
            names[key] = f"#{len(names) + 1}"
        if key in shown:
            lines.append(f"{indent}{branch}{names[key]} (shown above)")
            continue
        shown.add(key)
        lines.append(f"{indent}{branch}{names[key]} {_describe(node)}")
        children = list(node._prev)
        inner = indent + ("    " if last else "|   ") if branch else indent
        for i, child in reversed(list(enumerate(children))):
            final = i == len(children) - 1
            stack.append((child, inner, "`-- " if final else "|-- ", final))
    return "\n".join(lines)


def draw_dot(root, filename=None, format="svg", rankdir="LR"):
    """Draw the graph of root with graphviz.

    With a filename, renders it to filename.svg (or .png) and returns that path. Without one,
    returns the graphviz Digraph (a notebook displays it). If graphviz is missing, prints the
    text tree and how to install it, and returns the tree as a string.
    """
    try:
        import graphviz
    except ImportError:
        print(text_tree(root))
        print(INSTALL_PACKAGE)
        return text_tree(root)
    dot = graphviz.Digraph(format=format, graph_attr={"rankdir": rankdir})
    nodes, edges = trace(root)
    for node in nodes:
        uid = str(id(node))
        label = getattr(node, "label", "") or " "
        dot.node(uid, label=f"{{ {label} | data {node.data:.4f} | grad {node.grad:.4f} }}", shape="record")
        if node._op:
            dot.node(uid + node._op, label=node._op, shape="circle")
            dot.edge(uid + node._op, uid)
    for child, parent in edges:
        dot.edge(str(id(child)), str(id(parent)) + parent._op)
    if filename is None:
        return dot
    if shutil.which("dot") is None:
        print(text_tree(root))
        print(INSTALL_DOT)
        return text_tree(root)
    return dot.render(filename, cleanup=True)
