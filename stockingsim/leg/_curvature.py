"""Per-vertex curvature (placeholder until the curvature module lands)."""


def vertex_curvature(vertices, faces, axis, vertex_normals=None):
    raise NotImplementedError("vertex_curvature is being written")
