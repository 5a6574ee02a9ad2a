"""What the certification part of e-learning plugs into the foundation (menu entries, home cards, action
sources, hooks, metrics); called once from LearningConfig.ready."""


def register() -> None:
    pass
