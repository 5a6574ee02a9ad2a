// The application form: the company's e-mail domains follow the contact's address until the
// applicant edits them (recruitment/templates/recruitment/apply/form.html).
document.addEventListener("DOMContentLoaded", () => {
  const email = document.querySelector("[data-apply-email]");
  const domains = document.querySelector("[data-apply-domains]");
  if (!email || !domains) return;
  let derived = domains.value === "";
  domains.addEventListener("input", () => { derived = domains.value === ""; });
  email.addEventListener("input", () => {
    if (!derived) return;
    const at = email.value.lastIndexOf("@");
    domains.value = at >= 0 ? email.value.slice(at + 1).trim().toLowerCase() : "";
  });
});
