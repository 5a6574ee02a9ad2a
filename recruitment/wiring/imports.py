"""What the imports part of recruitment plugs into the foundation (called from RecruitmentConfig.ready)."""


def register() -> None:
    pass
