# gradflow's settings for a JupyterHub class, written by `make install-hub` into
# PREFIX/share/gradflow/jupyterhub_config.py. Load it from the hub's own configuration:
#   The Littlest JupyterHub:  ln -s PREFIX/share/gradflow/jupyterhub_config.py \
#                                /opt/tljh/config/jupyterhub_config.d/gradflow.py && tljh-config reload
#   any other hub:            load_subconfig("PREFIX/share/gradflow/jupyterhub_config.py")
# Memory and idle culling are the hub's own settings (README, "A class on one server").
c = get_config()  # noqa: F821 (JupyterHub's configuration loader defines it)

# Each student's server first copies the notebooks into ~/gradflow (never over their own copy).
c.Spawner.cmd = ["@PREFIX@/bin/gradflow-singleuser", "jupyterhub-singleuser"]
c.Spawner.default_url = "/lab/tree/gradflow/notebooks/01-shortcut-connections.ipynb"
# A server with both notebooks open holds about 1.5 GiB, a kernel compiling a cell briefly more
# (README). Spawners that enforce it (SystemdSpawner, The Littlest JupyterHub's) stop a student's
# runaway cell there instead of letting it take the class's memory.
c.Spawner.mem_limit = "2G"
