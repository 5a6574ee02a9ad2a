"""A contract type for import-linter (``make lint``): apps talk to each other through their
public modules only.

``public_modules`` lists the module names an app offers the others (``services``, ``selectors``,
``hooks``, ...); any other module of an app (views, forms, admin, tasks, its internals) is private
to it: importing it from another app breaks the contract. A new module is private until it is
named here, so the surface grows on purpose.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class PublicModulesContract(Contract):
    type_name = "public_modules"

    apps = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        apps, public = set(self.apps), set(self.public_modules)
        broken = []
        for importer in sorted(graph.modules):
            importer_app = importer.split(".")[0]
            if importer_app not in apps:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                parts = imported.split(".")
                if parts[0] not in apps or parts[0] == importer_app:
                    continue
                if len(parts) == 1 or parts[1] in public:
                    continue
                lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                broken.append((importer, imported, lines))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["broken"]:
            where = ", ".join(f"l.{line}" for line in lines)
            output.print_error(f"{importer} -> {imported} ({where}): not a public module of {imported.split('.')[0]}")
            output.new_line()
