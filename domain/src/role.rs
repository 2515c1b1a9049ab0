//! What a console user may do: every operator runs campaigns; a super admin also manages users
//! and reads the audit log (R22). The database holds the same list (`users_role_check`).

use crate::vocabulary::vocabulary;

vocabulary! {
    /// A user's role.
    pub enum Role {
        Admin = "admin",
        SuperAdmin = "super_admin",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_serialises_as_its_name() {
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
            assert_eq!(
                serde_json::from_value::<Role>(role.as_str().into()).unwrap(),
                role
            );
        }
    }
}
